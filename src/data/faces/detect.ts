/**
 * The face detector and landmark model, in the decode worker (loaded only for the 'faces' crop).
 *
 * @vladmandic/face-api's TinyFaceDetector finds faces; its 68-point landmark model then places
 * the eyes. Both run on a tfjs instance of this worker's own: the wasm backend with one thread
 * (each decode worker is already one of a pool sized to the cores; threads inside would only
 * fight over them), or the cpu backend where wasm cannot start. The weights ship inside the
 * npm package and are bundled as assets of the app (Vite `?url`), so nothing leaves the
 * origin: no photo, and no request for a model.
 *
 * face-api looks up `document`-era classes (HTMLCanvasElement…) even when given tensors; a
 * worker has none, so it gets an environment of OffscreenCanvas stand-ins before first use.
 * It is only ever handed tensors.
 */
// The same module specifiers face-api imports, so both share one tfjs engine even where a dev
// server would bundle '@tensorflow/tfjs' and '@tensorflow/tfjs/dist/index.js' apart.
import * as tf from '@tensorflow/tfjs/dist/index.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm/dist/index.js';
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import detectorManifest from '@vladmandic/face-api/model/tiny_face_detector_model-weights_manifest.json';
import detectorWeightsUrl from '@vladmandic/face-api/model/tiny_face_detector_model.bin?url';
import landmarkManifest from '@vladmandic/face-api/model/face_landmark_68_model-weights_manifest.json';
import landmarkWeightsUrl from '@vladmandic/face-api/model/face_landmark_68_model.bin?url';
import { applyAffine, invertAffine, similarityTransform, type Affine, type Point } from './align.ts';
import { renderTransformed } from './render.ts';

/** A face found in a photo, in the photo's pixels. */
export interface DetectedFace {
  /** The detector's box. */
  box: { x: number; y: number; width: number; height: number };
  /** Detector confidence, 0..1. */
  score: number;
  /** Centre of the eye on the image's left (the person's right eye): the mean of landmarks 36–41. */
  leftEye: Point;
  /** Centre of the eye on the image's right: the mean of landmarks 42–47. */
  rightEye: Point;
}

/**
 * Faces below this detector confidence are not faces for us: a little stricter than face-api's
 * default 0.5, because a false face becomes a training image of noise. At 0.6 every crop from
 * the sample photos (tests/e2e/faces.spec.ts) is a real face, checked by eye.
 */
export const MIN_FACE_SCORE = 0.6;

/**
 * The detector's input side (a multiple of 32; 608 is the largest of the sizes face-api's README lists). The
 * photo is downscaled to fit it, so the larger it is, the smaller the faces found in big photos.
 */
export const DETECTOR_INPUT_SIZE = 608;

/**
 * The landmark model's input side. The full 68-point model (357 KB) is used rather than the
 * tiny one (77 KB): with the tiny one a crop's eye landed 2.6 px from its target at 64 px
 * (sample3.jpg), with the full one at most 1.1 px (tests/e2e/faces.spec.ts).
 */
const LANDMARK_INPUT_SIZE = 112;

/** What the detector needs per call: the photo, decoded. */
export interface FaceDetector {
  /** Every face above MIN_FACE_SCORE, with eye centres in the photo's pixels. */
  detect(photo: ImageBitmap): Promise<DetectedFace[]>;
  /** The tfjs backend it runs on ('wasm' or 'cpu'). */
  readonly backend: string;
}

let loading: Promise<FaceDetector> | null = null;

/** The detector of this worker, loaded on first use (the weights and a backend, once). */
export function loadFaceDetector(): Promise<FaceDetector> {
  loading ??= createDetector();
  // A failed load is retried on the next photo rather than remembered for the whole session.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

async function createDetector(): Promise<FaceDetector> {
  installWorkerEnvironment();
  const backend = await startBackend();
  const [detectorWeights, landmarkWeights] = await Promise.all([
    fetchWeights(detectorWeightsUrl, detectorManifest),
    fetchWeights(landmarkWeightsUrl, landmarkManifest),
  ]);
  const detector = new faceapi.TinyFaceDetector();
  detector.loadFromWeightMap(detectorWeights as never);
  const landmarks = new faceapi.FaceLandmark68Net();
  landmarks.loadFromWeightMap(landmarkWeights as never);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: DETECTOR_INPUT_SIZE, scoreThreshold: MIN_FACE_SCORE });
  return {
    backend,
    async detect(photo) {
      const scale = Math.min(1, DETECTOR_INPUT_SIZE / Math.max(photo.width, photo.height));
      const width = Math.max(1, Math.round(photo.width * scale));
      const height = Math.max(1, Math.round(photo.height * scale));
      const input = rgbTensor(await detectorInput(photo, width, height), width, height);
      let found: { box: { x: number; y: number; width: number; height: number }; score: number }[];
      try {
        found = (await detector.locateFaces(input as never, options)).map((d) => ({ box: d.box, score: d.score }));
      } finally {
        input.dispose();
      }
      const faces: DetectedFace[] = [];
      for (const { box, score } of found) {
        const photoBox = clampBox({ x: (box.x * photo.width) / width, y: (box.y * photo.height) / height, width: (box.width * photo.width) / width, height: (box.height * photo.height) / height }, photo);
        if (photoBox === null) continue;
        const eyes = await locateEyes(landmarks, photo, photoBox);
        faces.push({ box: photoBox, score, ...eyes });
      }
      return faces;
    },
  };
}

/**
 * The eye centres of the face in `box`, in two passes. First the box is cut from the
 * full-resolution photo and brought to the landmark model's 112 px with the browser's
 * high-quality filter (so a face in a large photo is not measured on the detector's coarse
 * copy). The 68-point model is trained on upright faces and misplaces the eyes of a tilted one
 * by a few degrees, so the face is then cut again turned upright by the first pass's eye
 * angle, measured again, and the second pass's eyes are mapped back into the photo.
 */
async function locateEyes(net: faceapi.FaceLandmark68Net, photo: ImageBitmap, box: DetectedFace['box']): Promise<{ leftEye: Point; rightEye: Point }> {
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const scale = LANDMARK_INPUT_SIZE / Math.max(box.width, box.height);
  const middle = { x: LANDMARK_INPUT_SIZE / 2, y: LANDMARK_INPUT_SIZE / 2 };
  const upright = await eyesThrough(net, photo, similarityTransform(centre, 0, scale, middle));
  const angle = Math.atan2(upright.rightEye.y - upright.leftEye.y, upright.rightEye.x - upright.leftEye.x);
  return eyesThrough(net, photo, similarityTransform(centre, angle, scale, middle));
}

/**
 * The eyes found on the 112 px patch `toPatch` cuts from the photo, in the photo's pixels.
 * The patch is measured as it is and mirrored, and the two answers averaged (the mirror's
 * left eye is the patch's right): the model's error on a face turned to one side is partly a
 * bias that the mirror reverses, and averaging it out halves the tilt left in 3/4 views.
 */
async function eyesThrough(net: faceapi.FaceLandmark68Net, photo: ImageBitmap, toPatch: Affine): Promise<{ leftEye: Point; rightEye: Point }> {
  const rgba = await renderTransformed(photo, toPatch, LANDMARK_INPUT_SIZE);
  const input = rgbTensor(rgba, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE);
  const mirrored = tf.reverse(input, 1);
  let direct: { x: number; y: number }[];
  let mirror: { x: number; y: number }[];
  try {
    // Positions come back in the pixels of each input, the patch.
    direct = await landmarkPositions(net, input);
    mirror = (await landmarkPositions(net, mirrored)).map((p) => ({ x: LANDMARK_INPUT_SIZE - p.x, y: p.y }));
  } finally {
    input.dispose();
    mirrored.dispose();
  }
  const leftEye = mean([mean(direct.slice(36, 42)), mean(mirror.slice(42, 48))]);
  const rightEye = mean([mean(direct.slice(42, 48)), mean(mirror.slice(36, 42))]);
  const toPhoto = invertAffine(toPatch);
  return { leftEye: applyAffine(toPhoto, leftEye), rightEye: applyAffine(toPhoto, rightEye) };
}

async function landmarkPositions(net: faceapi.FaceLandmark68Net, input: tf.Tensor3D): Promise<{ x: number; y: number }[]> {
  const result = await net.detectLandmarks(input as never);
  const landmarks = Array.isArray(result) ? result[0] : result;
  if (!landmarks) throw new Error('the landmark model returned nothing');
  return landmarks.positions;
}

function mean(points: readonly { x: number; y: number }[]): Point {
  const sum = points.reduce((s, p) => ({ x: s.x + p.x, y: s.y + p.y }), { x: 0, y: 0 });
  return { x: sum.x / points.length, y: sum.y / points.length };
}

/** The box cut to the photo (the detector's boxes may stick out of it); null when nothing is left. */
function clampBox(box: DetectedFace['box'], photo: ImageBitmap): DetectedFace['box'] | null {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  const width = Math.min(photo.width, box.x + box.width) - x;
  const height = Math.min(photo.height, box.y + box.height) - y;
  return width >= 1 && height >= 1 ? { x, y, width, height } : null;
}

/** The whole photo, downscaled to fit the detector's input, as RGBA bytes. */
async function detectorInput(photo: ImageBitmap, width: number, height: number): Promise<Uint8ClampedArray> {
  const resized = await createImageBitmap(photo, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('OffscreenCanvas 2d context unavailable');
    context.drawImage(resized, 0, 0);
    return context.getImageData(0, 0, width, height).data;
  } finally {
    resized.close();
  }
}

/** RGBA bytes as the int32 [h, w, 3] tensor of 0..255 values face-api's nets take. The caller disposes it. */
function rgbTensor(rgba: Uint8ClampedArray, width: number, height: number): tf.Tensor3D {
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i] ?? 0;
    rgb[j + 1] = rgba[i + 1] ?? 0;
    rgb[j + 2] = rgba[i + 2] ?? 0;
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

/** Fetches a same-origin .bin (bundled by Vite) and decodes it with its manifest's specs. */
async function fetchWeights(url: string, manifest: readonly { weights: readonly unknown[] }[]): Promise<tf.NamedTensorMap> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the face model (${response.status} ${url})`);
  const specs = manifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  return tf.io.decodeWeights(await response.arrayBuffer(), specs);
}

/**
 * wasm with one thread (the non-threaded SIMD build: no pthread workers inside a decode
 * worker), else cpu. face-api also registers webgl; it is never chosen here, because a GL
 * context per decode worker would compete with training for the GPU.
 *
 * Where the pool had no nested workers and decodes in the training worker itself, that
 * worker's tfjs already runs the trainer's backend: the detector then uses it as it is rather
 * than switching the trainer's backend under it.
 */
async function startBackend(): Promise<string> {
  // backendName is undefined until some code has chosen a backend.
  const chosen = tf.engine().backendName as string | undefined;
  if (chosen) return chosen;
  // setWasmPaths wants all three; the threaded one is never fetched with multithreading off.
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlainUrl, 'tfjs-backend-wasm-simd.wasm': wasmSimdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl });
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // setBackend can throw as well as resolve false when the wasm module cannot start.
  if (await Promise.resolve().then(() => tf.setBackend('wasm')).catch(() => false)) {
    await tf.ready();
    return 'wasm';
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

/** Stand-ins for the DOM classes face-api checks inputs against; see the file comment. */
function installWorkerEnvironment(): void {
  // No input is ever one of these, so `instanceof` is always false, as face-api needs.
  class NoElement {
    readonly inWorker = true;
  }
  const unavailable = (what: string) => (): never => {
    throw new Error(`face-api asked for ${what}, which a worker does not have`);
  };
  faceapi.env.setEnv({
    Canvas: OffscreenCanvas,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: NoElement,
    ImageData,
    Video: NoElement,
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: unavailable('an <img>'),
    createVideoElement: unavailable('a <video>'),
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
    readFile: unavailable('a file system'),
  } as never);
}
