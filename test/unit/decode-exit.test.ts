import { classifyExit, type DecoderExit } from '../../containers/tracker/src/decode/ffmpeg-decoder.js';
import { EngineError, UNDECODABLE_VIDEO } from '../../containers/tracker/src/errors.js';

/** A clean exit of a 300-frame video, every frame analysed and delivered. */
function exit(over: Partial<DecoderExit> = {}): DecoderExit {
  return {
    code: 0,
    signal: null,
    killedByUs: false,
    errorLines: [],
    partialFile: false,
    produced: 300,
    step: 1,
    firstFrame: 0,
    video: { frameCount: 300, isSequence: false },
    ...over,
  };
}

const codeOf = (e: DecoderExit) => classifyExit(e)?.code;

describe('decoder exit classification', () => {
  it('a clean exit that delivered the video is no failure, even with a stray error line', () => {
    expect(classifyExit(exit())).toBeUndefined();
    expect(classifyExit(exit({ errorLines: ['Invalid NAL unit size'], produced: 295 }))).toBeUndefined();
  });

  it('our own stops win over what ffmpeg said: the duration limit, then a cancel', () => {
    const tooLong = new EngineError('TOO_LONG', 'the video is longer than 6 hours');
    expect(classifyExit(exit({ overLimit: tooLong, killedByUs: true, code: null, signal: 'SIGKILL' }))).toBe(tooLong);
    expect(codeOf(exit({ killedByUs: true, code: null, signal: 'SIGKILL' }))).toBe('ABORTED');
  });

  it('ffmpeg missing or unstartable says so', () => {
    const enoent = Object.assign(new Error('spawn ffmpeg ENOENT'), { code: 'ENOENT' });
    expect(classifyExit(exit({ spawnError: enoent }))?.message).toMatch(/ffmpeg is not installed/);
    expect(classifyExit(exit({ spawnError: new Error('EACCES') }))?.message).toBe('could not start ffmpeg: EACCES');
  });

  it('a failed exit names the refused container, else says the stream is undecodable and keeps ffmpeg\'s words for the log', () => {
    expect(classifyExit(exit({ code: 1, refused: 'its format (hls) is not a supported video container', errorLines: ['x'] }))?.message).toBe(
      'could not decode the video: its format (hls) is not a supported video container',
    );
    const internal = classifyExit(exit({ code: 1, errorLines: ['first', 'Error marking filters as finished'] }));
    expect(internal?.message).toBe(UNDECODABLE_VIDEO);
    expect(internal?.detail).toBe('Error marking filters as finished');
    const crashed = classifyExit(exit({ code: null, signal: 'SIGSEGV' }));
    expect(crashed?.message).toBe(UNDECODABLE_VIDEO);
    expect(crashed?.detail).toBe('ffmpeg exited with SIGSEGV');
    expect(codeOf(exit({ code: 1 }))).toBe('DECODE_FAILED');
  });

  it('a clean exit is truncated when ffmpeg saw a partial file, or errors with well under the promised frames', () => {
    expect(classifyExit(exit({ partialFile: true, produced: 120 }))?.message).toBe('the video file is truncated (decoded 120 of about 300 frames)');
    const corrupt = classifyExit(exit({ errorLines: ['Invalid data found when processing input'], produced: 200 }));
    expect(corrupt?.code).toBe('TRUNCATED');
    expect(corrupt?.message).toBe('the video is truncated or corrupt (decoded 200 of about 300 frames); re-encode or upload it again');
    expect(corrupt?.detail).toBe('Invalid data found when processing input');
    // the container's own frame count counts when it promises more than the stream header
    expect(codeOf(exit({ errorLines: ['e'], produced: 280, video: { frameCount: 300, containerFrames: 400, isSequence: false } }))).toBe('TRUNCATED');
  });

  it('image sequences are judged by frames alone, and nothing decoded is an invalid video', () => {
    expect(classifyExit(exit({ errorLines: ['e'], produced: 10, video: { frameCount: 300, isSequence: true } }))).toBeUndefined();
    // nothing decoded of a file the probe counted no frames in (a picture under a video's name, say)
    expect(classifyExit(exit({ produced: 0, errorLines: ['Invalid data'], video: { frameCount: 0, isSequence: false } }))?.message).toBe(UNDECODABLE_VIDEO);
    expect(classifyExit(exit({ produced: 0, video: { frameCount: 0, isSequence: false } }))?.message).toBe('no frame could be decoded');
    expect(codeOf(exit({ produced: 0 }))).toBe('INVALID_VIDEO');
  });

  it('a range is judged against its own frames and reports how far into the whole video it got', () => {
    const range = { firstFrame: 1000, rangeFrames: 500, step: 2 };
    expect(classifyExit(exit({ ...range, produced: 250, errorLines: ['e'], video: { frameCount: 3000, isSequence: false } }))).toBeUndefined();
    expect(classifyExit(exit({ ...range, produced: 100, errorLines: ['e'], video: { frameCount: 3000, isSequence: false } }))?.message).toBe(
      'the video is truncated or corrupt (decoded 1200 of about 3000 frames); re-encode or upload it again',
    );
  });
});
