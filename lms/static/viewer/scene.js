// The three.js scene of the model viewer: renderer, model meshes, build-plate
// grid, camera with lights, orbit controls and framing.

import { degToRad, niceCeil } from './format.js';

// Meshes above this many triangles are shaded flat instead of with creased
// normals (creasing un-indexes the geometry, tripling the vertex memory).
const CREASE_FACE_LIMIT = 250000;
// Feature edges (dark outline at sharp creases) are only drawn up to this size.
const FEATURE_EDGE_FACE_LIMIT = 150000;
const CREASE_ANGLE = (35 * Math.PI) / 180;
// Towards the camera: front-right-above (the default view), and straight below.
export const VIEW_DEFAULT = [0.85, -1.35, 0.95];
export const VIEW_BELOW = [0, -0.02, -1];

export function createRenderer(lib, canvas, background) {
  const { THREE } = lib;
  const renderer = new THREE.WebGLRenderer({
    canvas, antialias: true, preserveDrawingBuffer: true, powerPreference: 'low-power',
  });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(background);
  return { renderer, scene };
}

/** Indexed geometry of the decoded mesh, with normals and bounds. */
export function meshGeometry(lib, data) {
  const { THREE } = lib;
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(data.positions, 3));
  geometry.setIndex(new THREE.BufferAttribute(data.indices, 1));
  geometry.computeVertexNormals();
  geometry.computeBoundingBox();
  geometry.computeBoundingSphere();
  return geometry;
}

function modelMaterial(THREE, color, side, flatShading, roughness) {
  return new THREE.MeshStandardMaterial({
    color, roughness, metalness: side === THREE.FrontSide ? 0.05 : 0, flatShading, side,
    polygonOffset: true, polygonOffsetFactor: 1, polygonOffsetUnits: 1,
  });
}

/** The model's front and back meshes and feature edges, added to `scene`. */
export function buildModel(lib, scene, data, colors) {
  const { THREE } = lib;
  const geometry = meshGeometry(lib, data);
  const creased = data.faceCount > 0 && data.faceCount <= CREASE_FACE_LIMIT && lib.toCreasedNormals;
  // Sharp edges stay sharp, curved surfaces stay smooth.
  const display = creased ? lib.toCreasedNormals(geometry, CREASE_ANGLE) : geometry;
  const front = new THREE.Mesh(display, modelMaterial(THREE, colors.model, THREE.FrontSide, !creased, 0.55));
  // Inside of the shell (seen through holes or inverted faces) darker, so it reads as "inside".
  const back = new THREE.Mesh(display, modelMaterial(THREE, colors.modelBack, THREE.BackSide, !creased, 0.8));
  scene.add(front, back);
  let edges = null;
  if (data.faceCount > 0 && data.faceCount <= FEATURE_EDGE_FACE_LIMIT) {
    edges = new THREE.LineSegments(
      new THREE.EdgesGeometry(geometry, 35),
      new THREE.LineBasicMaterial({ color: colors.edges, transparent: true, opacity: 0.55 }),
    );
    scene.add(edges);
  }
  return { geometry, frontMesh: front, backMesh: back, featureEdges: edges };
}

export function modelBox(lib, data, geometry) {
  const { THREE } = lib;
  const box = new THREE.Box3();
  if (data.bounds) {
    box.min.fromArray(data.bounds[0]);
    box.max.fromArray(data.bounds[1]);
  } else if (geometry.boundingBox && !geometry.boundingBox.isEmpty()) {
    box.copy(geometry.boundingBox);
  } else {
    box.set(new THREE.Vector3(-10, -10, 0), new THREE.Vector3(10, 10, 20));
  }
  return box;
}

/** Grid on the build plate (XY plane at the model's lowest Z); returns its cell in mm. */
export function addGrid(lib, scene, box, colors) {
  const { THREE } = lib;
  const size = box.getSize(new THREE.Vector3());
  const center = box.getCenter(new THREE.Vector3());
  const radius = Math.max(size.length() / 2, 1e-3);
  const footprint = Math.max(size.x, size.y, size.z * 0.5, 1e-3);
  const cell = niceCeil(footprint / 6);
  const divisions = Math.max(2, Math.ceil((footprint * 1.25) / cell) * 2);
  const grid = new THREE.GridHelper(divisions * cell, divisions, colors.gridCenter, colors.grid);
  grid.rotation.x = Math.PI / 2; // GridHelper lies in XZ; we are Z-up.
  grid.position.set(Math.round(center.x / cell) * cell, Math.round(center.y / cell) * cell,
    box.min.z - radius * 1e-3);
  // Drawn first and without depth so the model always covers it (no
  // z-fighting with a bottom face lying on the plate).
  grid.material.depthWrite = false;
  grid.renderOrder = -1;
  scene.add(grid);
  return { grid, cell };
}

/** Camera with a headlight, hemisphere light, and orbit controls on `canvas`. */
export function addCamera(lib, scene, canvas, radius) {
  const { THREE } = lib;
  const camera = new THREE.PerspectiveCamera(35, 1, radius / 100, radius * 100);
  camera.up.set(0, 0, 1);
  scene.add(camera);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8a919c, 1.9).translateZ(1));
  const headlight = new THREE.DirectionalLight(0xffffff, 2.0);
  headlight.position.set(0.35, 0.6, 1.0); // slightly above-right of the viewer's eye
  camera.add(headlight);
  camera.add(headlight.target);
  headlight.target.position.set(0, 0, -1);
  const controls = new lib.OrbitControls(camera, canvas);
  controls.enableDamping = true;
  controls.dampingFactor = 0.12;
  controls.screenSpacePanning = true;
  controls.minDistance = radius * 0.05;
  controls.maxDistance = radius * 40;
  return { camera, controls };
}

/**
 * Place the camera so the whole box is in view, looking at its centre from
 * `towards` (a direction from the centre to the camera).  The distance is the
 * smallest one at which all eight box corners fit the frustum, plus a margin.
 */
export function frameBox(lib, camera, controls, box, towards = VIEW_DEFAULT) {
  const { THREE } = lib;
  const center = box.getCenter(new THREE.Vector3());
  const radius = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 1e-3);
  const tanV = Math.tan(degToRad(camera.fov) / 2);
  const tanH = tanV * (camera.aspect || 1);
  const dir = new THREE.Vector3(...towards).normalize();
  const right = new THREE.Vector3().crossVectors(camera.up, dir).normalize();
  const up = new THREE.Vector3().crossVectors(dir, right);
  let distance = 0;
  const corner = new THREE.Vector3();
  for (let i = 0; i < 8; i++) {
    corner.set(i & 1 ? box.max.x : box.min.x, i & 2 ? box.max.y : box.min.y, i & 4 ? box.max.z : box.min.z)
      .sub(center);
    const depth = corner.dot(dir);
    distance = Math.max(distance, depth + Math.abs(corner.dot(right)) / tanH, depth + Math.abs(corner.dot(up)) / tanV);
  }
  distance = Math.max(distance * 1.12, radius * 0.5);
  camera.position.copy(center).addScaledVector(dir, distance);
  camera.near = Math.max(distance / 200, radius / 1000);
  camera.far = distance * 50;
  camera.updateProjectionMatrix();
  controls.target.copy(center);
  controls.update();
}

/** Dispose every geometry and material under `root`. */
export function disposeTree(root) {
  root?.traverse((obj) => {
    obj.geometry?.dispose?.();
    const mats = Array.isArray(obj.material) ? obj.material : obj.material ? [obj.material] : [];
    mats.forEach((m) => m.dispose());
  });
}
