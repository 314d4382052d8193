/**
 * HandleFailure's decision for a failed segments array job (lambdas/workflow/failure.ts): resubmit only when every
 * failed child was lost to its host, by Batch's documented status reason.
 */
import { STATUS_MESSAGES } from '../../core/tracker-protocol.js';
import { segmentChildrenLostToHosts } from '../../lambdas/workflow/failure.js';

const reclaimed = { statusReason: 'Host EC2 (instance i-0123456789abcdef0) terminated.' };

describe('segmentChildrenLostToHosts', () => {
  test('every failed child reclaimed: resubmit, with the interrupted message if the budget is spent', () => {
    expect(segmentChildrenLostToHosts([reclaimed, { statusReason: 'Host EC2 (instance i-0fedcba9876543210) terminated.' }])).toEqual({
      kind: 'HOST',
      retryable: true,
      statusMessage: STATUS_MESSAGES.interrupted,
    });
  });

  test('one child that crashed on its own (no host reason) makes the array a failure, not a resubmission', () => {
    expect(segmentChildrenLostToHosts([reclaimed, { statusReason: 'Essential container in task exited', containerReason: 'OutOfMemoryError: Container killed due to memory usage' }])).toBeUndefined();
  });

  test('no failed child listed, or reasons that only mention a host: no decision (the general classifier decides)', () => {
    expect(segmentChildrenLostToHosts([])).toBeUndefined();
    expect(segmentChildrenLostToHosts([{ statusReason: 'Host EC2 capacity: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY' }])).toBeUndefined();
    expect(segmentChildrenLostToHosts([{}])).toBeUndefined();
  });
});
