/** What a caller may read in a FAILED job's StatusMessage (core/jobs/status-message.ts). */
import { failureMessage, userFacingStatusMessage } from '../../core/jobs/status-message.js';

describe('userFacingStatusMessage', () => {
  it.each([
    ["ENOTDIR: not a directory, mkdir '/srv/pp/results/abc'", "ENOTDIR: not a directory, mkdir '<internal path>'"],
    ['input not found: /data/buckets/videos/a.mp4', 'input not found: <internal path>'],
    ['could not open file:/tmp/job/input.mp4 (denied)', 'could not open <internal path> (denied)'],
    ['EPERM: operation not permitted, open C:\\Users\\svc\\data\\x.json', 'EPERM: operation not permitted, open <internal path>'],
  ])('removes server paths: %s', (text, expected) => {
    expect(userFacingStatusMessage(text)).toBe(expected);
  });

  it('keeps text that only looks like it has slashes', () => {
    const text = 'not a readable video: its format (hls) is not a supported video container (MP4, MOV, Matroska (MKV/WebM) or AVI); 1/60 fps';
    expect(userFacingStatusMessage(text)).toBe(text);
  });

  it('bounds the length and never answers an empty message', () => {
    expect(userFacingStatusMessage('x'.repeat(5000))).toHaveLength(1000);
    expect(userFacingStatusMessage('')).toBe('Video processing failed');
    expect(userFacingStatusMessage(undefined)).toBe('Video processing failed');
  });
});

describe('failureMessage', () => {
  it('says a full disk in words, without the path the fs error carries', () => {
    const err = Object.assign(new Error("ENOSPC: no space left on device, write '/var/pp/results/j/timestamp.ndjson'"), { code: 'ENOSPC' });
    expect(failureMessage(err)).toBe('Video processing failed: the server ran out of disk space. Try again later.');
  });
  it('passes other messages through the path filter', () => {
    expect(failureMessage(new Error('boom at /opt/app/x.js'))).toBe('boom at <internal path>');
  });
});
