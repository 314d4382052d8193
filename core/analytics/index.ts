/**
 * Footfall analytics over GetPersonTracking persons: line counts, zone visits, dwell, occupancy, time buckets and a
 * heatmap. Plain TypeScript with no I/O and no Node-only imports: the CLI (`people-pathing analyse`, `render
 * --zones`) and the browser console use this one implementation.
 *
 *   const zones = parseZoneFile(JSON.parse(text));           // throws ZoneFileError naming the field
 *   const a = new FootfallAnalyser(zones, { bucketSeconds: 60 });
 *   for (const s of samples) a.add(s);                       // {Timestamp, Index, BoundingBox}, any sort order
 *   const analysis = a.finish();
 */
export { parseZoneFile, ZoneFileError, type Point, type ZoneFile } from './zones.js';
export {
  analyse,
  FootfallAnalyser,
  DEFAULT_RULE,
  type AnalyseOptions,
  type Analysis,
  type Bucket,
  type Crossing,
  type LineResult,
  type PersonSample,
  type Visit,
  type ZoneResult,
} from './analyser.js';
export { fromPersonDetection, type PersonDetectionLike } from './samples.js';
export { gaussianBlur, heatColor, heatmapGrid, HeatmapAccumulator, type HeatmapOptions } from './heatmap.js';
export { LiveCounter, type LiveCounts } from './live.js';
