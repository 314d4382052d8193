// Wire shapes of Rekognition People Pathing (spec §3.5). Plain types: no AWS imports anywhere in core/.

export type VideoJobStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
export type PersonTrackingSortBy = 'INDEX' | 'TIMESTAMP';

export interface S3Object {
  Bucket?: string;
  Name?: string;
  Version?: string;
}
export interface Video {
  S3Object?: S3Object;
}
export interface NotificationChannel {
  SNSTopicArn: string;
  RoleArn: string;
}
export interface StartPersonTrackingRequest {
  Video: Video;
  ClientRequestToken?: string;
  NotificationChannel?: NotificationChannel;
  JobTag?: string;
}
export interface StartPersonTrackingResponse {
  JobId?: string;
}
export interface GetPersonTrackingRequest {
  JobId: string;
  MaxResults?: number;
  NextToken?: string;
  SortBy?: PersonTrackingSortBy;
}
export interface BoundingBox {
  Width?: number;
  Height?: number;
  Left?: number;
  Top?: number;
}
export type LandmarkType = 'eyeLeft' | 'eyeRight' | 'nose' | 'mouthLeft' | 'mouthRight';
export interface Landmark {
  Type?: LandmarkType | string;
  X?: number;
  Y?: number;
}
export interface Pose {
  Roll?: number;
  Yaw?: number;
  Pitch?: number;
}
export interface ImageQuality {
  Brightness?: number;
  Sharpness?: number;
}
/** Only Rekognition's default face attributes are ever produced by GetPersonTracking. */
export interface FaceDetail {
  BoundingBox?: BoundingBox;
  Landmarks?: Landmark[];
  Pose?: Pose;
  Quality?: ImageQuality;
  Confidence?: number;
}
export interface PersonDetail {
  Index?: number;
  BoundingBox?: BoundingBox;
  Face?: FaceDetail;
}
export interface PersonDetection {
  Timestamp?: number;
  Person?: PersonDetail;
}
export interface VideoMetadata {
  Codec?: string;
  DurationMillis?: number;
  Format?: string;
  FrameRate?: number;
  FrameHeight?: number;
  FrameWidth?: number;
  ColorRange?: 'FULL' | 'LIMITED';
}
export interface GetPersonTrackingResponse {
  JobStatus?: VideoJobStatus;
  StatusMessage?: string;
  VideoMetadata?: VideoMetadata;
  NextToken?: string;
  Persons?: PersonDetection[];
  JobId?: string;
  Video?: Video;
  JobTag?: string;
  /** Not in Rekognition's model: how far an IN_PROGRESS job has got (SDKs skip members they do not model). */
  JobProgress?: JobProgress;
}

/** GetPersonTracking's extra member while a job is IN_PROGRESS (doc/segments.md "Progress"). */
export interface JobProgress {
  /** 0..100. */
  Percent: number;
  FramesDone?: number;
  Frames?: number;
  SegmentsDone?: number;
  Segments?: number;
  EtaSeconds?: number;
}
