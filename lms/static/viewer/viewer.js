// Interactive 3D model viewer for checked student submissions.
//
// Markup comes from the `model_viewer` macro in lms/templates/_viewer.html;
// three.js is resolved through the importmap emitted by `viewer_assets()`
// ("three" and "three/addons/").
//
// Data at data-viewer-url (units mm, Z up) comes in one of two forms.
// The compact one (format "lms-mesh-1", lms/geometry/viewer.py):
//   face_count, bounds, extents_mm, problems (as below)
//   levels      [{faces, vertices, url}, ...] lightest first; the first is
//               shown, the last (full detail) is loaded when asked for. Each
//               url answers the binary form described in viewer.py.
// The older one (whole JSON):
//   positions   base64, little-endian float32 xyz
//   indices     base64, little-endian uint32, 3 per face
//   vertex_count, face_count, simplified (bool)
//   bounds      [[minx, miny, minz], [maxx, maxy, maxz]]
//   extents_mm  [x, y, z]
//   problems    { open_edges: [[x1,y1,z1,x2,y2,z2], ...],
//                 nonmanifold_edges: [[6 floats], ...],
//                 inverted_faces: [[9 floats], ...] }
//
// Container attributes maintained for pages and tests:
//   data-state             "loading" | "ready" | "fallback"
//   data-problems-visible  "true" | "false"
// Every viewer is also listed in `window.__lmsViewers`, and the container
// fires a `modelviewer:ready` / `modelviewer:fallback` event.

const PROBLEM_KINDS = ['open_edges', 'nonmanifold_edges', 'inverted_faces'];

const DEFAULT_COLORS = {
  background: '#eef1f5',
  model: '#9fb9d6',
  modelBack: '#8793a1',
  edges: '#33414f',
  grid: '#c9d1dc',
  gridCenter: '#9aa7b7',
  open_edges: '#e0201b',
  nonmanifold_edges: '#f28c00',
  inverted_faces: '#d21fd6',
};

const FALLBACK_LABELS = {
  loading: 'Loading 3D model…',
  errorWebgl: 'Interactive 3D view is not available in this browser. Showing a still image instead.',
  errorFetch: 'The 3D model could not be loaded. Showing a still image instead.',
  errorData: 'The 3D model data is damaged. Showing a still image instead.',
  simplified: 'Simplified preview: the original mesh has more faces.',
  scaleBar: 'Scale bar',
  mm: 'mm',
  canvas: '',
};

// Meshes above this many triangles are shaded flat instead of with creased
// normals (creasing un-indexes the geometry, tripling the vertex memory).
const CREASE_FACE_LIMIT = 250000;
// Feature edges (dark outline at sharp creases) are only drawn up to this size.
const FEATURE_EDGE_FACE_LIMIT = 150000;
const CREASE_ANGLE = (35 * Math.PI) / 180;
const KEY_ROTATE_STEP = (7.5 * Math.PI) / 180;
const KEY_ZOOM_FACTOR = 1.15;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const viewers = [];
if (typeof window !== 'undefined') {
  window.__lmsViewers = viewers;
}

let threePromise = null;

function loadThree() {
  if (!threePromise) {
    threePromise = Promise.all([
      import('three'),
      import('three/addons/controls/OrbitControls.js'),
      import('three/addons/lines/LineSegments2.js'),
      import('three/addons/lines/LineSegmentsGeometry.js'),
      import('three/addons/lines/LineMaterial.js'),
      import('three/addons/utils/BufferGeometryUtils.js'),
    ]).then(([THREE, orbit, seg2, segGeom, lineMat, geomUtils]) => ({
      THREE,
      OrbitControls: orbit.OrbitControls,
      LineSegments2: seg2.LineSegments2,
      LineSegmentsGeometry: segGeom.LineSegmentsGeometry,
      LineMaterial: lineMat.LineMaterial,
      toCreasedNormals: geomUtils.toCreasedNormals,
    }));
  }
  return threePromise;
}

// ---------------------------------------------------------------- decoding

class DataError extends Error {}

function base64ToBytes(b64) {
  if (typeof b64 !== 'string') throw new DataError('base64 field missing');
  if (typeof Uint8Array.fromBase64 === 'function') {
    try {
      return Uint8Array.fromBase64(b64);
    } catch (err) {
      throw new DataError('invalid base64');
    }
  }
  let bin;
  try {
    bin = atob(b64);
  } catch (err) {
    throw new DataError('invalid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesTo(bytes, ArrayType, getter) {
  const size = ArrayType.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) throw new DataError('buffer length is not a multiple of ' + size);
  const n = bytes.byteLength / size;
  if (LITTLE_ENDIAN) {
    const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
    return new ArrayType(aligned.buffer, aligned.byteOffset, n);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new ArrayType(n);
  for (let i = 0; i < n; i++) out[i] = view[getter](i * size, true);
  return out;
}

/** Problems, bounds and extents of either form. */
function decodeMeta(data) {
  const problems = {};
  const src = data.problems || {};
  const widths = { open_edges: 6, nonmanifold_edges: 6, inverted_faces: 9 };
  for (const kind of PROBLEM_KINDS) {
    const list = Array.isArray(src[kind]) ? src[kind] : [];
    const width = widths[kind];
    const flat = new Float32Array(list.length * width);
    let n = 0;
    for (const item of list) {
      if (!Array.isArray(item) || item.length !== width) continue;
      for (let k = 0; k < width; k++) flat[n * width + k] = Number(item[k]);
      n++;
    }
    problems[kind] = { count: list.length, flat: flat.subarray(0, n * width) };
  }
  let bounds = null;
  if (Array.isArray(data.bounds) && data.bounds.length === 2 &&
      data.bounds.every((b) => Array.isArray(b) && b.length === 3 && b.every(Number.isFinite))) {
    bounds = data.bounds;
  }
  let extents = null;
  if (Array.isArray(data.extents_mm) && data.extents_mm.length === 3 && data.extents_mm.every(Number.isFinite)) {
    extents = data.extents_mm;
  } else if (bounds) {
    extents = [0, 1, 2].map((k) => bounds[1][k] - bounds[0][k]);
  }
  return { problems, bounds, extents };
}

const MESH_MAGIC = 'LMSM';
const MESH_HEADER_BYTES = 48;

/** LEB128 varints in bytes[start, end): exactly `count` of them. */
function readVarints(bytes, start, end, count) {
  const out = new Uint32Array(count);
  let p = start;
  for (let i = 0; i < count; i++) {
    let value = 0;
    let scale = 1;
    let byte;
    do {
      if (p >= end) throw new DataError('varint stream truncated');
      byte = bytes[p++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    out[i] = value;
  }
  if (p !== end) throw new DataError('varint stream too long');
  return out;
}

/** One level of detail in the compact binary form -> positions and indices. */
export function decodeMeshBinary(buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MESH_HEADER_BYTES) throw new DataError('mesh too short');
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MESH_MAGIC || bytes[4] !== 1) throw new DataError('not an lms mesh');
  const vertexCount = view.getUint32(8, true);
  const faceCount = view.getUint32(12, true);
  const positionBytes = view.getUint32(16, true);
  const indexBytes = view.getUint32(20, true);
  if (MESH_HEADER_BYTES + positionBytes + indexBytes !== buffer.byteLength) throw new DataError('mesh length');
  const origin = [0, 1, 2].map((k) => view.getFloat32(24 + 4 * k, true));
  const step = [0, 1, 2].map((k) => view.getFloat32(36 + 4 * k, true));
  const deltas = readVarints(bytes, MESH_HEADER_BYTES, MESH_HEADER_BYTES + positionBytes, 3 * vertexCount);
  const positions = new Float32Array(3 * vertexCount);
  for (let k = 0; k < 3; k++) {
    let q = 0;
    for (let i = 0; i < vertexCount; i++) {
      const z = deltas[k * vertexCount + i];
      q += (z >>> 1) ^ -(z & 1); // zigzag back to a signed step
      positions[3 * i + k] = origin[k] + q * step[k];
    }
  }
  const start = MESH_HEADER_BYTES + positionBytes;
  const codes = readVarints(bytes, start, start + indexBytes, 3 * faceCount);
  const indices = new Uint32Array(3 * faceCount);
  let first = 0;
  for (let t = 0; t < faceCount; t++) {
    first += codes[t];
    const second = first + codes[faceCount + t];
    const third = first + codes[2 * faceCount + t];
    if (second >= vertexCount || third >= vertexCount) throw new DataError('index out of range');
    indices[3 * t] = first;
    indices[3 * t + 1] = second;
    indices[3 * t + 2] = third;
  }
  return { positions, indices, vertexCount, faceCount };
}

/** The compact form's meta plus one decoded level. */
function compactData(meta, mesh, levelNumber) {
  const levels = Array.isArray(meta.levels) ? meta.levels : [];
  return {
    ...mesh,
    ...decodeMeta(meta),
    simplified: levelNumber < levels.length - 1,
    levels,
    level: levelNumber,
  };
}

async function fetchMesh(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Decode and validate the JSON payload into typed arrays. */
export function decodeViewerData(data) {
  if (!data || typeof data !== 'object') throw new DataError('not an object');
  const positions = bytesTo(base64ToBytes(data.positions), Float32Array, 'getFloat32');
  const indices = bytesTo(base64ToBytes(data.indices), Uint32Array, 'getUint32');
  if (positions.length % 3 !== 0) throw new DataError('positions not xyz triples');
  if (indices.length % 3 !== 0) throw new DataError('indices not triangles');
  const vertexCount = positions.length / 3;
  const faceCount = indices.length / 3;
  if (Number.isFinite(data.vertex_count) && data.vertex_count !== vertexCount) {
    throw new DataError('vertex_count mismatch');
  }
  if (Number.isFinite(data.face_count) && data.face_count !== faceCount) {
    throw new DataError('face_count mismatch');
  }
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >= vertexCount) throw new DataError('index out of range');
  }
  const { problems, bounds, extents } = decodeMeta(data);
  return {
    positions,
    indices,
    vertexCount,
    faceCount,
    simplified: Boolean(data.simplified),
    bounds,
    extents,
    problems,
  };
}

// ----------------------------------------------------------------- helpers

/** Largest 1-2-5 step that is <= value. */
function niceFloor(value) {
  if (!(value > 0)) return 1;
  const exp = Math.floor(Math.log10(value));
  const base = 10 ** exp;
  const f = value / base;
  const m = f >= 5 ? 5 : f >= 2 ? 2 : 1;
  return m * base;
}

/** Smallest 1-2-5 step that is >= value. */
function niceCeil(value) {
  if (!(value > 0)) return 1;
  const exp = Math.floor(Math.log10(value));
  const base = 10 ** exp;
  const f = value / base;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return m * base;
}

function pageLocale() {
  return document.documentElement.lang || undefined;
}

function formatNumber(value, digits = 1) {
  try {
    return new Intl.NumberFormat(pageLocale(), { maximumFractionDigits: digits }).format(value);
  } catch (err) {
    return String(Math.round(value * 10 ** digits) / 10 ** digits);
  }
}

function formatMm(value, mm) {
  // Sub-millimetre steps keep their decimals, everything else at most one.
  const digits = value > 0 && value < 1 ? 2 : 1;
  return `${formatNumber(value, digits)} ${mm}`;
}

// ------------------------------------------------------------------ viewer

class ModelViewer {
  constructor(root) {
    this.root = root;
    this.state = 'loading';
    this.canvas = root.querySelector('.mv-canvas');
    this.stage = root.querySelector('.mv-stage');
    this.status = root.querySelector('.mv-status');
    this.fallbackImg = root.querySelector('img.mv-fallback:not(.mv-noscript)');
    this.toolbar = root.querySelector('.mv-toolbar');
    this.info = root.querySelector('.mv-info');
    this.scaleBar = root.querySelector('.mv-scalebar');
    this.buttons = {
      reset: root.querySelector('[data-action="reset"]'),
      wireframe: root.querySelector('[data-action="wireframe"]'),
      problems: root.querySelector('[data-action="problems"]'),
      full: root.querySelector('[data-action="full"]'),
    };
    const d = root.dataset;
    this.labels = {
      loading: d.labelLoading || FALLBACK_LABELS.loading,
      errorWebgl: d.labelErrorWebgl || FALLBACK_LABELS.errorWebgl,
      errorFetch: d.labelErrorFetch || FALLBACK_LABELS.errorFetch,
      errorData: d.labelErrorData || FALLBACK_LABELS.errorData,
      simplified: d.labelSimplified || FALLBACK_LABELS.simplified,
      scaleBar: d.labelScaleBar || FALLBACK_LABELS.scaleBar,
      mm: d.labelMm || FALLBACK_LABELS.mm,
      canvas: d.labelCanvas || FALLBACK_LABELS.canvas,
    };
    this.colors = this.readColors();
    this.wireframe = this.buttons.wireframe?.getAttribute('aria-pressed') === 'true';
    this.problemsVisible = this.buttons.problems
      ? this.buttons.problems.getAttribute('aria-pressed') !== 'false'
      : true;
    this.frameRequest = 0;
    this.data = null;
    this.error = null;
  }

  readColors() {
    const style = getComputedStyle(this.root);
    const pick = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    return {
      ...DEFAULT_COLORS,
      background: pick('--mv-bg', DEFAULT_COLORS.background),
      model: pick('--mv-model', DEFAULT_COLORS.model),
      open_edges: pick('--mv-open', DEFAULT_COLORS.open_edges),
      nonmanifold_edges: pick('--mv-nonmanifold', DEFAULT_COLORS.nonmanifold_edges),
      inverted_faces: pick('--mv-inverted', DEFAULT_COLORS.inverted_faces),
    };
  }

  setStatus(text) {
    if (this.status) this.status.textContent = text || '';
  }

  async start() {
    this.setStatus(this.labels.loading);
    const url = this.root.dataset.viewerUrl;
    let payload;
    try {
      if (!url) throw new Error('no data-viewer-url');
      const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      payload = await response.json();
    } catch (err) {
      this.fail(this.labels.errorFetch, err);
      return;
    }
    let buffer = null;
    if (payload && payload.format === 'lms-mesh-1') {
      try {
        buffer = await fetchMesh(payload.levels[0].url);
      } catch (err) {
        this.fail(this.labels.errorFetch, err);
        return;
      }
    }
    try {
      this.data = buffer ? compactData(payload, decodeMeshBinary(buffer), 0) : decodeViewerData(payload);
    } catch (err) {
      this.fail(this.labels.errorData, err);
      return;
    }
    this.meta = buffer ? payload : null;
    this.fillInfo();

    let lib;
    try {
      lib = await loadThree();
    } catch (err) {
      this.fail(this.labels.errorWebgl, err);
      return;
    }
    try {
      this.build(lib);
    } catch (err) {
      // WebGLRenderer throws when no context can be created.
      this.fail(this.labels.errorWebgl, err);
    }
  }

  /** The model's meshes (and feature edges) from this.data, added to the scene. */
  buildMesh(lib) {
    const { THREE } = lib;
    const colors = this.colors;
    const scene = this.scene;
    const { positions, indices, faceCount } = this.data;
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    geometry.setIndex(new THREE.BufferAttribute(indices, 1));
    geometry.computeVertexNormals();
    geometry.computeBoundingBox();
    geometry.computeBoundingSphere();

    let displayGeometry = geometry;
    let flatShading = false;
    if (faceCount > 0 && faceCount <= CREASE_FACE_LIMIT && lib.toCreasedNormals) {
      // Sharp edges stay sharp, curved surfaces stay smooth.
      displayGeometry = lib.toCreasedNormals(geometry, CREASE_ANGLE);
    } else {
      flatShading = true;
    }
    this.geometry = displayGeometry;

    const frontMaterial = new THREE.MeshStandardMaterial({
      color: colors.model,
      roughness: 0.55,
      metalness: 0.05,
      flatShading,
      side: THREE.FrontSide,
      polygonOffset: true,
      polygonOffsetFactor: 1,
      polygonOffsetUnits: 1,
    });
    // Inside of the shell (visible through holes or where faces are
    // inverted) in a darker tone so it reads as "inside".
    const backMaterial = new THREE.MeshStandardMaterial({
      color: colors.modelBack,
      roughness: 0.8,
      metalness: 0,
      flatShading,
      side: THREE.BackSide,
      polygonOffset: true,
      polygonOffsetFactor: 1,
      polygonOffsetUnits: 1,
    });
    this.frontMesh = new THREE.Mesh(displayGeometry, frontMaterial);
    this.backMesh = new THREE.Mesh(displayGeometry, backMaterial);
    scene.add(this.frontMesh, this.backMesh);

    if (faceCount > 0 && faceCount <= FEATURE_EDGE_FACE_LIMIT) {
      const edgeGeometry = new THREE.EdgesGeometry(geometry, 35);
      this.featureEdges = new THREE.LineSegments(
        edgeGeometry,
        new THREE.LineBasicMaterial({ color: colors.edges, transparent: true, opacity: 0.55 }),
      );
      scene.add(this.featureEdges);
    }
    return geometry;
  }

  /** Swap the shown level of detail for the full one (the "Full detail" button). */
  async loadFullDetail() {
    const levels = this.meta?.levels || [];
    const last = levels.length - 1;
    if (!this.lib || last <= this.data.level) return;
    const button = this.buttons.full;
    if (button) button.disabled = true;
    this.setStatus(this.labels.loading);
    let data;
    try {
      data = compactData(this.meta, decodeMeshBinary(await fetchMesh(levels[last].url)), last);
    } catch (err) {
      console.warn('[model-viewer]', err);
      this.setStatus(this.labels.errorFetch);
      if (button) button.disabled = false;
      return;
    }
    for (const obj of [this.frontMesh, this.backMesh, this.featureEdges]) {
      if (!obj) continue;
      this.scene.remove(obj);
      obj.geometry?.dispose?.();
      obj.material?.dispose?.();
    }
    this.featureEdges = null;
    this.data = data;
    this.buildMesh(this.lib);
    this.applyWireframe();
    this.fillInfo();
    if (button) button.hidden = true;
    this.root.dataset.level = 'full';
    this.setStatus('');
    this.requestRender();
  }

  fail(message, err) {
    this.error = err ? String(err.message || err) : message;
    if (err) console.warn('[model-viewer]', err);
    this.state = 'fallback';
    this.root.dataset.state = 'fallback';
    this.root.dataset.problemsVisible = 'false';
    if (this.toolbar) this.toolbar.hidden = true;
    if (this.scaleBar) this.scaleBar.hidden = true;
    if (this.frameRequest) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = 0;
    if (this.canvas) {
      this.canvas.setAttribute('aria-hidden', 'true');
      this.canvas.removeAttribute('tabindex');
    }
    if (this.fallbackImg && this.root.dataset.thumbnailUrl) {
      this.fallbackImg.hidden = false;
      this.fallbackImg.loading = 'eager';
      this.fallbackImg.addEventListener('error', () => { this.fallbackImg.hidden = true; }, { once: true });
    }
    this.setStatus(message);
    this.root.dispatchEvent(new CustomEvent('modelviewer:fallback', { bubbles: true, detail: { viewer: this, error: this.error } }));
  }

  fillInfo() {
    const { extents, faceCount, simplified, problems } = this.data;
    const mm = this.labels.mm;
    const field = (name) => this.root.querySelector(`[data-field="${name}"]`);
    const dims = field('dimensions');
    if (dims && extents) {
      dims.textContent = `${extents.map((v) => formatNumber(v, 1)).join(' × ')} ${mm}`;
    }
    const faces = field('faces');
    if (faces) faces.textContent = formatNumber(faceCount, 0);
    const simp = field('simplified');
    if (simp) {
      simp.textContent = this.labels.simplified;
      simp.hidden = !simplified;
    }
    for (const kind of PROBLEM_KINDS) {
      const item = this.root.querySelector(`[data-problem="${kind}"]`);
      if (!item) continue;
      const count = problems[kind].count;
      const out = item.querySelector('[data-count]');
      if (out) out.textContent = formatNumber(count, 0);
      item.dataset.count = String(count);
      item.dataset.zero = count === 0 ? 'true' : 'false';
    }
    if (this.info) this.info.hidden = false;
  }

  // ---------------------------------------------------------------- scene

  build(lib) {
    const { THREE } = lib;
    this.lib = lib;
    const colors = this.colors;

    const renderer = new THREE.WebGLRenderer({
      canvas: this.canvas,
      antialias: true,
      preserveDrawingBuffer: true,
      powerPreference: 'low-power',
    });
    this.renderer = renderer;
    renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.canvas.addEventListener('webglcontextlost', (event) => {
      event.preventDefault();
      this.fail(this.labels.errorWebgl, new Error('WebGL context lost'));
    });

    const scene = new THREE.Scene();
    scene.background = new THREE.Color(colors.background);
    this.scene = scene;

    const geometry = this.buildMesh(lib);
    const { problems } = this.data;

    // ---- bounds / framing
    const box = new THREE.Box3();
    if (this.data.bounds) {
      box.min.fromArray(this.data.bounds[0]);
      box.max.fromArray(this.data.bounds[1]);
    } else if (geometry.boundingBox && !geometry.boundingBox.isEmpty()) {
      box.copy(geometry.boundingBox);
    } else {
      box.set(new THREE.Vector3(-10, -10, 0), new THREE.Vector3(10, 10, 20));
    }
    this.box = box;
    const size = box.getSize(new THREE.Vector3());
    const center = box.getCenter(new THREE.Vector3());
    const radius = Math.max(size.length() / 2, 1e-3);
    this.radius = radius;

    // ---- grid on the build plate (XY plane at the model's lowest Z)
    const footprint = Math.max(size.x, size.y, size.z * 0.5, 1e-3);
    const cell = niceCeil(footprint / 6);
    const half = Math.ceil((footprint * 1.25) / cell);
    const divisions = Math.max(2, half * 2);
    const gridSize = divisions * cell;
    const grid = new THREE.GridHelper(gridSize, divisions, colors.gridCenter, colors.grid);
    grid.rotation.x = Math.PI / 2; // GridHelper lies in XZ; we are Z-up.
    grid.position.set(
      Math.round(center.x / cell) * cell,
      Math.round(center.y / cell) * cell,
      box.min.z - radius * 1e-3,
    );
    // Drawn first and without depth so the model always covers it (no
    // z-fighting with a bottom face lying on the plate).
    grid.material.depthWrite = false;
    grid.renderOrder = -1;
    scene.add(grid);
    this.grid = grid;
    this.gridCell = cell;
    const gridField = this.root.querySelector('[data-field="grid"]');
    if (gridField) gridField.textContent = formatMm(cell, this.labels.mm);

    // ---- camera, lights, controls
    const camera = new THREE.PerspectiveCamera(35, 1, radius / 100, radius * 100);
    camera.up.set(0, 0, 1);
    this.camera = camera;
    scene.add(camera);
    scene.add(new THREE.HemisphereLight(0xffffff, 0x8a919c, 1.9).translateZ(1));
    const headlight = new THREE.DirectionalLight(0xffffff, 2.0);
    headlight.position.set(0.35, 0.6, 1.0); // slightly above-right of the viewer's eye
    camera.add(headlight);
    camera.add(headlight.target);
    headlight.target.position.set(0, 0, -1);

    const controls = new lib.OrbitControls(camera, this.canvas);
    controls.enableDamping = true;
    controls.dampingFactor = 0.12;
    controls.screenSpacePanning = true;
    controls.minDistance = radius * 0.05;
    controls.maxDistance = radius * 40;
    controls.addEventListener('change', () => this.requestRender());
    this.controls = controls;

    // ---- problem overlay
    this.buildOverlay(problems);

    // ---- size & first frame
    this.resize();
    this.frame(center, radius);
    controls.saveState();

    this.resizeObserver = new ResizeObserver(() => {
      this.resize();
      this.requestRender();
    });
    this.resizeObserver.observe(this.stage || this.canvas);

    this.bindUi();
    this.applyWireframe();
    this.applyProblems();
    this.canvas.setAttribute('aria-label', this.labels.canvas || this.canvas.getAttribute('aria-label') || '');
    this.requestRender();
  }

  buildOverlay(problems) {
    const { THREE, LineSegments2, LineSegmentsGeometry, LineMaterial } = this.lib;
    const overlay = new THREE.Group();
    overlay.name = 'problems';
    this.overlay = overlay;
    this.scene.add(overlay);

    const addLines = (flat, color, order) => {
      if (!flat.length) return;
      const geom = new LineSegmentsGeometry();
      geom.setPositions(flat);
      // Hidden part: faint, drawn through the model.
      const behind = new LineSegments2(geom, new LineMaterial({
        color, linewidth: 2.5, transparent: true, opacity: 0.35, depthTest: false, depthWrite: false,
      }));
      behind.renderOrder = order;
      // Visible part: solid.
      const front = new LineSegments2(geom, new LineMaterial({
        color, linewidth: 3.5, depthTest: true, depthWrite: false,
      }));
      front.renderOrder = order + 1;
      overlay.add(behind, front);
    };
    addLines(problems.nonmanifold_edges.flat, this.colors.nonmanifold_edges, 20);
    addLines(problems.open_edges.flat, this.colors.open_edges, 30);

    const inverted = problems.inverted_faces.flat;
    if (inverted.length) {
      const geom = new THREE.BufferGeometry();
      geom.setAttribute('position', new THREE.BufferAttribute(inverted, 3));
      const behind = new THREE.Mesh(geom, new THREE.MeshBasicMaterial({
        color: this.colors.inverted_faces, transparent: true, opacity: 0.22,
        side: THREE.DoubleSide, depthTest: false, depthWrite: false,
      }));
      behind.renderOrder = 10;
      const front = new THREE.Mesh(geom, new THREE.MeshBasicMaterial({
        color: this.colors.inverted_faces, transparent: true, opacity: 0.7,
        side: THREE.DoubleSide, depthWrite: false,
        polygonOffset: true, polygonOffsetFactor: -2, polygonOffsetUnits: -4,
      }));
      front.renderOrder = 11;
      overlay.add(behind, front);
    }
  }

  /**
   * Place the camera so the whole bounding box is in view, looking at its
   * centre from front-right-above (Z up).  The distance is the smallest one
   * at which all eight box corners fit the frustum, plus a margin.
   */
  frame(center, radius) {
    const { THREE } = this.lib;
    const camera = this.camera;
    const aspect = camera.aspect || 1;
    const tanV = Math.tan(THREE_deg2rad(camera.fov) / 2);
    const tanH = tanV * aspect;
    const dir = new THREE.Vector3(0.85, -1.35, 0.95).normalize(); // towards the camera
    const right = new THREE.Vector3().crossVectors(camera.up, dir).normalize();
    const up = new THREE.Vector3().crossVectors(dir, right);
    let distance = 0;
    const corner = new THREE.Vector3();
    for (let i = 0; i < 8; i++) {
      corner.set(
        i & 1 ? this.box.max.x : this.box.min.x,
        i & 2 ? this.box.max.y : this.box.min.y,
        i & 4 ? this.box.max.z : this.box.min.z,
      ).sub(center);
      const depth = corner.dot(dir);
      distance = Math.max(
        distance,
        depth + Math.abs(corner.dot(right)) / tanH,
        depth + Math.abs(corner.dot(up)) / tanV,
      );
    }
    distance = Math.max(distance * 1.12, radius * 0.5);
    camera.position.copy(center).addScaledVector(dir, distance);
    camera.near = Math.max(distance / 200, radius / 1000);
    camera.far = distance * 50;
    camera.updateProjectionMatrix();
    this.controls.target.copy(center);
    this.controls.update();
  }

  resize() {
    const target = this.stage || this.canvas;
    const width = Math.max(1, Math.round(target.clientWidth));
    const height = Math.max(1, Math.round(target.clientHeight));
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  requestRender() {
    if (this.state === 'fallback' || this.frameRequest) return;
    this.frameRequest = requestAnimationFrame(() => this.renderFrame());
  }

  renderFrame() {
    this.frameRequest = 0;
    if (this.state === 'fallback') return;
    const moving = this.controls.update();
    this.renderer.render(this.scene, this.camera);
    this.updateScaleBar();
    if (this.state !== 'ready') {
      this.state = 'ready';
      this.root.dataset.state = 'ready';
      this.setStatus('');
      if (this.toolbar) this.toolbar.hidden = false;
      this.root.dispatchEvent(new CustomEvent('modelviewer:ready', { bubbles: true, detail: { viewer: this } }));
    }
    if (moving) this.requestRender();
  }

  updateScaleBar() {
    if (!this.scaleBar) return;
    const distance = this.camera.position.distanceTo(this.controls.target);
    const viewHeight = 2 * distance * Math.tan(THREE_deg2rad(this.camera.fov) / 2);
    const pxPerMm = this.height / viewHeight; // at the orbit centre
    if (!(pxPerMm > 0) || !Number.isFinite(pxPerMm)) {
      this.scaleBar.hidden = true;
      return;
    }
    const lengthMm = niceFloor(Math.min(110, this.width * 0.3) / pxPerMm);
    const px = lengthMm * pxPerMm;
    const bar = this.scaleBar.querySelector('.mv-scalebar-bar');
    const label = this.scaleBar.querySelector('.mv-scalebar-label');
    if (bar) bar.style.width = `${px.toFixed(1)}px`;
    const text = formatMm(lengthMm, this.labels.mm);
    if (label) label.textContent = text;
    this.scaleBar.title = `${this.labels.scaleBar}: ${text}`;
    this.scaleBarMm = lengthMm;
    this.scaleBar.hidden = false;
  }

  // ------------------------------------------------------------------- UI

  bindUi() {
    this.buttons.reset?.addEventListener('click', () => this.resetView());
    this.buttons.wireframe?.addEventListener('click', () => this.setWireframe(!this.wireframe));
    this.buttons.problems?.addEventListener('click', () => this.setProblemsVisible(!this.problemsVisible));
    this.buttons.full?.addEventListener('click', () => this.loadFullDetail());
    if (this.buttons.full) this.buttons.full.hidden = !(this.data?.simplified && this.meta);
    this.canvas.addEventListener('keydown', (event) => this.onKeyDown(event));
    // Clicking the canvas should give it keyboard focus (tabindex=0 in markup).
    this.canvas.addEventListener('pointerdown', () => this.canvas.focus({ preventScroll: true }));
  }

  onKeyDown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const c = this.controls;
    const pan = 24; // px
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
        if (event.shiftKey) c.pan(pan, 0); else c.rotateLeft(KEY_ROTATE_STEP);
        break;
      case 'ArrowRight':
        if (event.shiftKey) c.pan(-pan, 0); else c.rotateLeft(-KEY_ROTATE_STEP);
        break;
      case 'ArrowUp':
        if (event.shiftKey) c.pan(0, pan); else c.rotateUp(KEY_ROTATE_STEP);
        break;
      case 'ArrowDown':
        if (event.shiftKey) c.pan(0, -pan); else c.rotateUp(-KEY_ROTATE_STEP);
        break;
      case '+':
      case '=':
        this.zoom(1 / KEY_ZOOM_FACTOR);
        break;
      case '-':
      case '_':
        this.zoom(KEY_ZOOM_FACTOR);
        break;
      case 'Home':
        this.resetView();
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      c.update();
      this.requestRender();
    }
  }

  zoom(factor) {
    const offset = this.camera.position.clone().sub(this.controls.target).multiplyScalar(factor);
    this.camera.position.copy(this.controls.target).add(offset);
    this.controls.update();
    this.requestRender();
  }

  resetView() {
    if (!this.controls) return;
    // OrbitControls.reset() keeps pending damping motion; an update without
    // damping consumes it (nothing is rendered meanwhile), then reset.
    const damping = this.controls.enableDamping;
    this.controls.enableDamping = false;
    this.controls.update();
    this.controls.reset();
    this.controls.enableDamping = damping;
    this.requestRender();
  }

  setWireframe(on) {
    this.wireframe = Boolean(on);
    this.applyWireframe();
    this.requestRender();
  }

  applyWireframe() {
    const on = this.wireframe;
    if (this.frontMesh) this.frontMesh.material.wireframe = on;
    if (this.backMesh) this.backMesh.visible = !on;
    if (this.featureEdges) this.featureEdges.visible = !on;
    this.buttons.wireframe?.setAttribute('aria-pressed', on ? 'true' : 'false');
    this.root.dataset.wireframe = on ? 'true' : 'false';
  }

  setProblemsVisible(on) {
    this.problemsVisible = Boolean(on);
    this.applyProblems();
    this.requestRender();
  }

  applyProblems() {
    const on = this.problemsVisible;
    if (this.overlay) this.overlay.visible = on;
    this.buttons.problems?.setAttribute('aria-pressed', on ? 'true' : 'false');
    this.root.dataset.problemsVisible = on ? 'true' : 'false';
  }

  /** Snapshot used by tests and debugging. */
  describe() {
    return {
      state: this.state,
      error: this.error,
      wireframe: this.wireframe,
      problemsVisible: this.problemsVisible,
      gridCellMm: this.gridCell ?? null,
      scaleBarMm: this.scaleBarMm ?? null,
      faceCount: this.data?.faceCount ?? null,
      problemCounts: this.data
        ? Object.fromEntries(PROBLEM_KINDS.map((k) => [k, this.data.problems[k].count]))
        : null,
      camera: this.camera ? this.camera.position.toArray() : null,
      target: this.controls ? this.controls.target.toArray() : null,
      webgl: this.renderer ? (this.renderer.capabilities.isWebGL2 ? 2 : 1) : 0,
    };
  }

  dispose() {
    if (this.frameRequest) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = 0;
    this.resizeObserver?.disconnect();
    this.controls?.dispose();
    this.scene?.traverse((obj) => {
      obj.geometry?.dispose?.();
      const mats = Array.isArray(obj.material) ? obj.material : obj.material ? [obj.material] : [];
      mats.forEach((m) => m.dispose());
    });
    this.renderer?.dispose();
  }
}

function THREE_deg2rad(deg) {
  return (deg * Math.PI) / 180;
}

// ------------------------------------------------------------- bootstrap

function startViewer(root) {
  if (root.dataset.viewerInit) return;
  root.dataset.viewerInit = '1';
  const viewer = new ModelViewer(root);
  root.lmsViewer = viewer;
  viewers.push(viewer);
  viewer.start().catch((err) => viewer.fail(viewer.labels.errorWebgl, err));
}

/**
 * Start every `.model-viewer` under `scope`.  Viewers start when they come
 * near the viewport, so a grading page with many submissions does not open
 * dozens of WebGL contexts at once.
 */
export function initModelViewers(scope = document) {
  const roots = [...scope.querySelectorAll('.model-viewer:not([data-viewer-init])')];
  if (!roots.length) return;
  if (!('IntersectionObserver' in window)) {
    roots.forEach(startViewer);
    return;
  }
  const io = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        io.unobserve(entry.target);
        startViewer(entry.target);
      }
    }
  }, { rootMargin: '300px 0px' });
  roots.forEach((root) => io.observe(root));
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => initModelViewers());
  } else {
    initModelViewers();
  }
}
