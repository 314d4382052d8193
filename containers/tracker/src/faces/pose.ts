/**
 * Head pose (Roll, Yaw, Pitch in degrees) estimated from five facial landmarks — an approximation, not a 3-D fit.
 *
 * Coordinates are image pixels with y pointing down; the points must be in pixels of equal size in x and y
 * (source-frame pixels), otherwise the angles are distorted. Let E be the midpoint of the eyes, M the midpoint of the
 * mouth corners, N the nose tip and d the distance between the eyes.
 *
 * Roll  = atan2(eyeRight.y − eyeLeft.y, eyeRight.x − eyeLeft.x): the angle of the eye line from horizontal, positive
 *         when the face is turned clockwise on the image (the eye on the image's right is lower). All points are then
 *         rotated by −Roll about E so the next two measures are taken in the face's own upright frame.
 * Yaw   = atan(u / K_YAW), u = (N.x − m.x) / d, where m is the point of the E–M midline at the nose's height. A face of
 *         interocular distance D turned by θ about the vertical axis shows d = D·cosθ, and a nose tip standing out by
 *         P from the eye/mouth plane moves sideways by P·sinθ, so u = (P/D)·tanθ. K_YAW = P/D = 0.42 comes from the
 *         generic 3-D face model used for PnP head pose (eye centres ±160, nose-tip depth 135 units). Positive Yaw:
 *         the nose points to the image's right.
 * Pitch = atan((T0 − t) / K_PITCH), t = (N.y − E.y) / (M.y − E.y): where the nose sits between the eye line and the
 *         mouth line. Frontal, t = T0 = 0.49, the value of the standard 5-point frontal face template (ArcFace 112×112
 *         template: eyes y 51.6, nose 71.7, mouth 92.3). Tilting by φ about the horizontal axis gives
 *         t ≈ T0 − (P/H)·tanφ with H the eye–mouth height; K_PITCH = P/H = 0.42 from the same 3-D model (eyes +170,
 *         mouth −150, nose depth ≈ 135). Positive Pitch: the face looks up.
 *
 * Approximations: weak perspective (no camera distortion or depth of field), one average face shape, the eye and
 * mouth corners assumed to lie in one plane, and landmark noise: on small faces (d < ~10 px) a pixel of error moves
 * Yaw by several degrees. Results are clamped to ±90° (Yaw, Pitch) and lie in −180…180 (Roll).
 */
import type { Pose } from '../../../../core/types.js';

export const K_YAW = 0.42;
export const K_PITCH = 0.42;
export const FRONTAL_NOSE_T = 0.49;

export type Point = readonly [number, number];

/** Points: eye (image-left), eye (image-right), nose tip, mouth corner (image-left), mouth corner (image-right). */
export function estimatePose(landmarks: readonly Point[]): Pose {
  if (landmarks.length < 5) throw new RangeError('estimatePose needs five landmarks');
  const [eyeL, eyeR, nose, mouthL, mouthR] = landmarks;
  const roll = Math.atan2(eyeR[1] - eyeL[1], eyeR[0] - eyeL[0]);
  const ex = (eyeL[0] + eyeR[0]) / 2;
  const ey = (eyeL[1] + eyeR[1]) / 2;
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  const upright = (p: Point): [number, number] => {
    const x = p[0] - ex;
    const y = p[1] - ey;
    return [x * cos - y * sin, x * sin + y * cos];
  };
  const n = upright(nose);
  const mL = upright(mouthL);
  const mR = upright(mouthR);
  const m = [(mL[0] + mR[0]) / 2, (mL[1] + mR[1]) / 2];
  const d = Math.hypot(eyeR[0] - eyeL[0], eyeR[1] - eyeL[1]);
  const mouthDrop = m[1]; // E is the origin after `upright`
  let yaw = 0;
  let pitch = 0;
  if (d > 0 && mouthDrop > 0) {
    const t = n[1] / mouthDrop;
    const midX = m[0] * Math.min(Math.max(t, 0), 1); // the E–M midline at the nose's height
    yaw = Math.atan((n[0] - midX) / d / K_YAW);
    pitch = Math.atan((FRONTAL_NOSE_T - t) / K_PITCH);
  }
  return { Roll: deg(roll), Yaw: clamp90(deg(yaw)), Pitch: clamp90(deg(pitch)) };
}

function deg(r: number): number {
  return (r * 180) / Math.PI;
}
function clamp90(v: number): number {
  return Math.max(-90, Math.min(90, v));
}
