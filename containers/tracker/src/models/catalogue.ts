/**
 * The model catalogue: every ONNX model the product uses, with where it is published, its size, sha256 and licence.
 * The single source of truth: the engine's resolution (resolve.ts), `people-pathing models fetch|list` (cli.ts) and
 * the container image build (containers/tracker/Dockerfile, which runs main.ts) all read this list. A file whose
 * bytes differ from `sha256` is never used.
 *
 * This folder imports only node built-ins and its own files: the image build copies it alone.
 */

export type ModelRole = 'detector' | 'reid' | 'faces';

/** The detector output families (detect/types.ts ModelKind). */
export type CatalogueDetectorKind = 'yolox' | 'light-person' | 'nanodet';

export interface CatalogueModel {
  /** What users type: `people-pathing models fetch NAME`. The file name without `.onnx`. */
  readonly name: string;
  /** File name in a models folder, the user cache and a mirror (`--from URL|DIR`). */
  readonly file: string;
  readonly role: ModelRole;
  /** Detector output format (detectors only). */
  readonly kind?: CatalogueDetectorKind;
  /** One line: what it is for. */
  readonly purpose: string;
  /** SPDX identifier. */
  readonly licence: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Public URLs, pinned to a commit or a release, tried in order. */
  readonly urls: readonly string[];
  /** Upstream project the weights come from. */
  readonly origin: string;
}

const KAZUHITO = 'https://raw.githubusercontent.com/Kazuhito00/MOT-Tracking-by-Detection-Pipeline';

export const CATALOGUE: readonly CatalogueModel[] = [
  {
    name: 'yolox_nano_416x416',
    file: 'yolox_nano_416x416.onnx',
    role: 'detector',
    kind: 'yolox',
    purpose: 'person detector, the CPU default (serve, track)',
    licence: 'Apache-2.0',
    bytes: 3660092,
    sha256: '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14',
    urls: [`${KAZUHITO}/3cae5b5bc6f9f798a1ca6a03db7ef8574ddc765a/Detector/yolox/model/yolox_nano_416x416.onnx`],
    origin: 'Megvii-BaseDetection/YOLOX (COCO YOLOX-Nano), ONNX by Kazuhito00',
  },
  {
    name: 'yolox_s',
    file: 'yolox_s.onnx',
    role: 'detector',
    kind: 'yolox',
    purpose: 'person detector of the GPU container image (640x640)',
    licence: 'Apache-2.0',
    bytes: 35858002,
    sha256: 'c5c2d13e59ae883e6af3b45daea64af4833a4951c92d116ec270d9ddbe998063',
    urls: ['https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_s.onnx'],
    origin: 'Megvii-BaseDetection/YOLOX release 0.1.1rc0 (COCO YOLOX-S)',
  },
  {
    name: 'light_person_detector_192x192',
    file: 'light_person_detector_192x192.onnx',
    role: 'detector',
    kind: 'light-person',
    purpose: 'small person-only detector (--model, optional)',
    licence: 'Apache-2.0',
    bytes: 3616703,
    sha256: '4bf5f704cd3bd900645a4303e0934ede13d9fb2135058b38005f4c2886c68576',
    urls: [`${KAZUHITO}/ec2e6eee7322fd22d18cceabe370ee3f6b5bf763/Detector/light_person_detector/model/model.onnx`],
    origin: 'Kazuhito00/Person-Detection-using-RaspberryPi-CPU',
  },
  {
    name: 'nanodet_m_320',
    file: 'nanodet_m_320.onnx',
    role: 'detector',
    kind: 'nanodet',
    purpose: 'alternative COCO detector (--model, optional)',
    licence: 'Apache-2.0',
    bytes: 3802801,
    sha256: '88e9fb97a54bb0030127ad323a10f88b4531b6aa82617e7ef79e35ffcc9bb3e1',
    urls: [`${KAZUHITO}/16cf07242fc295317201419bc76c236705655171/Detector/nanodet/model/nanodet_m_320.onnx`],
    origin: 'RangiLyu/nanodet NanoDet-m (COCO), ONNX by Kazuhito00',
  },
  {
    name: 'person-reidentification-retail-0288',
    file: 'person-reidentification-retail-0288.onnx',
    role: 'reid',
    purpose: 'person appearance embedder used in association (the default)',
    licence: 'Apache-2.0',
    bytes: 813323,
    sha256: 'f3966d905e7232026aa8b814c328231a7b45c5b6b4dd32f886894223c4441b80',
    urls: [`${KAZUHITO}/181787ca9b232eaf4a7327deb2e93d8fc8e1885c/Tracker/person_reid/model/person-reidentification-retail-0288.onnx`],
    origin: 'Intel OpenVINO Open Model Zoo, ONNX by PINTO0309',
  },
  {
    name: 'person-reidentification-retail-0287',
    file: 'person-reidentification-retail-0287.onnx',
    role: 'reid',
    purpose: 'larger person appearance embedder (PEOPLE_PATHING_REID_MODEL, optional)',
    licence: 'Apache-2.0',
    bytes: 2454677,
    sha256: 'f35a22885b93aa0c249d665b4cf5510d08ded92f814694c3c2fec0112b0d3a56',
    urls: [`${KAZUHITO}/181787ca9b232eaf4a7327deb2e93d8fc8e1885c/Tracker/person_reid/model/person-reidentification-retail-0287.onnx`],
    origin: 'Intel OpenVINO Open Model Zoo, ONNX by PINTO0309',
  },
  {
    name: 'face_detection_yunet_2026may',
    file: 'face_detection_yunet_2026may.onnx',
    role: 'faces',
    purpose: 'face detector for Person.Face (the default)',
    licence: 'MIT',
    bytes: 229738,
    sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
    urls: ['https://raw.githubusercontent.com/RuDr8A/RealTime-PPE-Compliance/1eb40b10d4219cd4c21e41f7a66a064ad21d101f/face_detection_yunet_2026may.onnx'],
    origin: 'YuNet (ShiqiYu/libfacedetection) via opencv/opencv_zoo',
  },
];

/** The models local mode and `track` use when nothing else is said, and the GPU image's detector. */
export const DEFAULT_MODEL_NAMES = {
  detector: 'yolox_nano_416x416',
  gpuDetector: 'yolox_s',
  reid: 'person-reidentification-retail-0288',
  faces: 'face_detection_yunet_2026may',
} as const;

/** What `people-pathing models fetch` with no names fetches: what serve and track need. */
export const LOCAL_DEFAULT_MODELS: readonly string[] = [DEFAULT_MODEL_NAMES.detector, DEFAULT_MODEL_NAMES.reid, DEFAULT_MODEL_NAMES.faces];

/** The entry of a name or file name; undefined when the catalogue has none. */
export function findModel(nameOrFile: string): CatalogueModel | undefined {
  return CATALOGUE.find((m) => m.name === nameOrFile || m.file === nameOrFile);
}

export function catalogueModel(name: string): CatalogueModel {
  const model = findModel(name);
  if (!model) throw new Error(`unknown model '${name}' (known: ${CATALOGUE.map((m) => m.name).join(', ')})`);
  return model;
}
