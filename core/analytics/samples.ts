/** GetPersonTracking's PersonDetection ({Timestamp, Person: {Index, BoundingBox}}) as the analyser's flat sample. */
import type { PersonSample } from './analyser.js';

export interface PersonDetectionLike {
  Timestamp?: number;
  Person?: { Index?: number; BoundingBox?: { Left?: number; Top?: number; Width?: number; Height?: number } };
}

/** The sample, or undefined when the detection has no Timestamp, Index or complete BoundingBox. */
export function fromPersonDetection(d: PersonDetectionLike): PersonSample | undefined {
  const b = d?.Person?.BoundingBox;
  const index = d?.Person?.Index;
  if (typeof d?.Timestamp !== 'number' || typeof index !== 'number' || !b) return undefined;
  const { Left, Top, Width, Height } = b;
  if (typeof Left !== 'number' || typeof Top !== 'number' || typeof Width !== 'number' || typeof Height !== 'number') return undefined;
  return { Timestamp: d.Timestamp, Index: index, BoundingBox: { Left, Top, Width, Height } };
}
