// Data loading for the model viewer: three.js on demand, the viewer JSON and
// the compact binary mesh (lms/geometry/viewer.py describes both).

export const PROBLEM_KINDS = ['open_edges', 'nonmanifold_edges', 'inverted_faces', 'thin_wall'];
// Floats per listed item: an edge or wall crossing (two points) or a triangle.
const PROBLEM_WIDTHS = { open_edges: 6, nonmanifold_edges: 6, inverted_faces: 9, thin_wall: 6 };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const MESH_MAGIC = 'LMSM';
const MESH_HEADER_BYTES = 48;

export class DataError extends Error {}

let threePromise = null;

export function loadThree() {
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

function base64ToBytes(b64) {
  if (typeof b64 !== 'string') throw new DataError('base64 field missing');
  let bin;
  try {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
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

/** A capped list of fixed-width float items -> {count, flat Float32Array}. */
function flattenItems(list, width) {
  const items = Array.isArray(list) ? list : [];
  const flat = new Float32Array(items.length * width);
  let n = 0;
  for (const item of items) {
    if (!Array.isArray(item) || item.length !== width) continue;
    for (let k = 0; k < width; k++) flat[n * width + k] = Number(item[k]);
    n++;
  }
  return { count: items.length, flat: flat.subarray(0, n * width) };
}

function finiteTriple(value) {
  return Array.isArray(value) && value.length === 3 && value.every(Number.isFinite);
}

/** Problems, overlay figures, bounds and extents of either form. */
function decodeMeta(data) {
  const problems = {};
  const src = data.problems || {};
  for (const kind of PROBLEM_KINDS) problems[kind] = flattenItems(src[kind], PROBLEM_WIDTHS[kind]);
  let bounds = null;
  if (Array.isArray(data.bounds) && data.bounds.length === 2 && data.bounds.every(finiteTriple)) {
    bounds = data.bounds;
  }
  let extents = null;
  if (finiteTriple(data.extents_mm)) {
    extents = data.extents_mm;
  } else if (bounds) {
    extents = [0, 1, 2].map((k) => bounds[1][k] - bounds[0][k]);
  }
  const overlays = data.overlays && typeof data.overlays === 'object' ? data.overlays : {};
  return { problems, bounds, extents, overlays };
}

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

function readHeader(buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MESH_HEADER_BYTES) throw new DataError('mesh too short');
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MESH_MAGIC || bytes[4] !== 1) throw new DataError('not an lms mesh');
  const header = {
    bytes,
    faceSets: view.getUint16(6, true),
    vertexCount: view.getUint32(8, true),
    faceCount: view.getUint32(12, true),
    positionBytes: view.getUint32(16, true),
    indexBytes: view.getUint32(20, true),
    origin: [0, 1, 2].map((k) => view.getFloat32(24 + 4 * k, true)),
    step: [0, 1, 2].map((k) => view.getFloat32(36 + 4 * k, true)),
  };
  header.setBytes = Math.ceil(header.faceCount / 8);
  const total = MESH_HEADER_BYTES + header.positionBytes + header.indexBytes + header.faceSets * header.setBytes;
  if (total !== buffer.byteLength) throw new DataError('mesh length');
  return header;
}

function decodePositions(h) {
  const n = h.vertexCount;
  const deltas = readVarints(h.bytes, MESH_HEADER_BYTES, MESH_HEADER_BYTES + h.positionBytes, 3 * n);
  const positions = new Float32Array(3 * n);
  for (let k = 0; k < 3; k++) {
    let q = 0;
    for (let i = 0; i < n; i++) {
      const z = deltas[k * n + i];
      q += (z >>> 1) ^ -(z & 1); // zigzag back to a signed step
      positions[3 * i + k] = h.origin[k] + q * h.step[k];
    }
  }
  return positions;
}

function decodeIndices(h) {
  const start = MESH_HEADER_BYTES + h.positionBytes;
  const n = h.faceCount;
  const codes = readVarints(h.bytes, start, start + h.indexBytes, 3 * n);
  const indices = new Uint32Array(3 * n);
  let first = 0;
  for (let t = 0; t < n; t++) {
    first += codes[t];
    const second = first + codes[n + t];
    const third = first + codes[2 * n + t];
    if (second >= h.vertexCount || third >= h.vertexCount) throw new DataError('index out of range');
    indices[3 * t] = first;
    indices[3 * t + 1] = second;
    indices[3 * t + 2] = third;
  }
  return indices;
}

/** The face sets after the indices: one bit per stored triangle each. */
function decodeFaceSets(h) {
  const start = MESH_HEADER_BYTES + h.positionBytes + h.indexBytes;
  const sets = [];
  for (let s = 0; s < h.faceSets; s++) {
    sets.push(h.bytes.subarray(start + s * h.setBytes, start + (s + 1) * h.setBytes));
  }
  return sets;
}

/** One level of detail in the compact binary form -> positions, indices and face sets. */
export function decodeMeshBinary(buffer) {
  const h = readHeader(buffer);
  return {
    positions: decodePositions(h),
    indices: decodeIndices(h),
    faceSets: decodeFaceSets(h),
    vertexCount: h.vertexCount,
    faceCount: h.faceCount,
  };
}

/** The faces flagged in a bitset, as a list of triangle numbers. */
export function flaggedFaces(bits, faceCount) {
  const out = [];
  if (!bits) return out;
  for (let t = 0; t < faceCount; t++) {
    if (bits[t >> 3] & (1 << (t & 7))) out.push(t);
  }
  return out;
}

/** The compact form's meta plus one decoded level. */
export function compactData(meta, mesh, levelNumber) {
  const levels = Array.isArray(meta.levels) ? meta.levels : [];
  const names = Array.isArray(meta.face_sets) ? meta.face_sets : [];
  const faceSets = {};
  names.forEach((name, k) => { if (mesh.faceSets[k]) faceSets[name] = mesh.faceSets[k]; });
  return {
    ...mesh,
    ...decodeMeta(meta),
    faceSets,
    simplified: levelNumber < levels.length - 1,
    levels,
    level: levelNumber,
  };
}

export async function fetchMesh(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** The viewer JSON at `url`, and for the compact form its first level. */
export async function fetchViewerData(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const payload = await response.json();
  const compact = payload && payload.format === 'lms-mesh-1';
  const buffer = compact ? await fetchMesh(payload.levels[0].url) : null;
  return { payload, buffer };
}

/** Decode and validate the older whole-JSON payload into typed arrays. */
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
  return {
    positions, indices, vertexCount, faceCount, faceSets: {}, simplified: Boolean(data.simplified),
    ...decodeMeta(data),
  };
}
