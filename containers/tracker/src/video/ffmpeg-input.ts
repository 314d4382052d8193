/**
 * The one way every ffmpeg and ffprobe call opens an input (decode, probe, render): videos come from callers and are
 * untrusted, so each input is opened with
 *
 *  - `-protocol_whitelist file`: only local files. The Batch container copies the video from S3 to its disk first and
 *    local mode reads its buckets folder, so nothing else is needed; no http, tcp, data:, concat:, subfile, ... even
 *    when a container format asks for it;
 *  - `-format_whitelist`: only the demuxers of the containers the product accepts (see ACCEPTED_DEMUXERS). A `.mp4`
 *    that is really an HLS playlist, a concat script, an image or anything else is refused before it is parsed, so a
 *    playlist cannot make ffmpeg read other local files (doc/architecture/0013-untrusted-input.md);
 *  - the path as a `file:` URL, so names starting with '-' or holding ':' are never options or other protocols.
 *
 * PEOPLE_PATHING_FFMPEG / PEOPLE_PATHING_FFPROBE name the binaries (default: ffmpeg / ffprobe on PATH).
 */
import { resolve } from 'node:path';
import { processSettings, type EngineSettings } from '../settings.js';

/**
 * ffmpeg demuxers accepted for video files. `mov` is ffmpeg's ISO base media demuxer (mov, mp4, m4a, 3gp, 3g2, mj2:
 * MP4 and MOV are what Rekognition takes); `matroska` reads Matroska and WebM; `avi` reads AVI (the public tracking
 * benchmarks' videos are AVI). A demuxer matches when any of its names is listed.
 */
export const ACCEPTED_DEMUXERS: readonly string[] = ['mov', 'matroska', 'avi'];

/** What ACCEPTED_DEMUXERS means to a user, for error messages and docs. */
export const ACCEPTED_CONTAINERS = 'MP4, MOV, Matroska (MKV/WebM) or AVI';

/** Demuxer of MOTChallenge image sequences (a folder of numbered JPEG/PNG frames), which the engine also reads. */
const SEQUENCE_DEMUXER = 'image2';

export function ffmpegBinary(settings: EngineSettings = processSettings()): string {
  return settings.ffmpeg;
}

export function ffprobeBinary(settings: EngineSettings = processSettings()): string {
  return settings.ffprobe;
}

/** A local path as ffmpeg's file protocol (absolute), so it is never read as an option or another protocol. */
export function ffmpegFileUrl(path: string): string {
  return `file:${resolve(path)}`;
}

/** Input options + `-i` for one video file: local file protocol only, accepted containers only. */
export function videoFileInput(path: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', ACCEPTED_DEMUXERS.join(','), '-i', ffmpegFileUrl(path)];
}

/**
 * Input options + `-i` for an image sequence (`pattern` like /seq/img1/%06d.jpg) or, without `framerate`, one
 * image file of it. The demuxer is forced to image2: a frame is never probed as anything else.
 */
export function imageSequenceInput(pattern: string, options: { framerate?: number | string; startNumber?: number } = {}): string[] {
  return [
    '-protocol_whitelist', 'file', '-format_whitelist', SEQUENCE_DEMUXER, '-f', SEQUENCE_DEMUXER,
    ...(options.framerate !== undefined ? ['-framerate', String(options.framerate)] : []),
    ...(options.startNumber !== undefined ? ['-start_number', String(options.startNumber)] : []),
    '-i', ffmpegFileUrl(pattern),
  ];
}

/**
 * When ffmpeg/ffprobe refused the input because its container is not accepted, the user-facing reason (naming the
 * format ffmpeg detected, never a path); else undefined.
 */
export function refusedContainer(stderr: string): string | undefined {
  const m = /\[([A-Za-z0-9_]+) @ [^\]]*\]\s*(?:\[\w+\]\s*)?Format not on whitelist/.exec(stderr);
  if (m) return `its format (${m[1].replace(/_pipe$/, '')}) is not a supported video container (${ACCEPTED_CONTAINERS})`;
  if (/Protocol '[^']*' not on whitelist/.test(stderr)) return 'the file refers to data outside itself, which is not supported';
  return undefined;
}
