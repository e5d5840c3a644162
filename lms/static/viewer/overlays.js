// The problem overlays: open and non-manifold edges, inverted faces,
// overhanging faces and thin-wall crossings; one group each under one
// "problems" group, with a legend entry (count and checkbox) per kind.

import { flaggedFaces, PROBLEM_KINDS } from './data.js';
import { fillTemplate, formatNumber } from './format.js';

export const OVERLAY_KINDS = [...PROBLEM_KINDS, 'overhang'];
const LINE_ORDER = { thin_wall: 15, nonmanifold_edges: 20, open_edges: 30 };

/** A faint copy drawn through the model and a solid one where the lines are visible. */
function lineGroup(lib, flat, color) {
  const { THREE, LineSegments2, LineSegmentsGeometry, LineMaterial } = lib;
  const group = new THREE.Group();
  if (!flat.length) return group;
  const geom = new LineSegmentsGeometry();
  geom.setPositions(flat);
  const behind = new LineSegments2(geom, new LineMaterial({
    color, linewidth: 2.5, transparent: true, opacity: 0.35, depthTest: false, depthWrite: false,
  }));
  const front = new LineSegments2(geom, new LineMaterial({ color, linewidth: 3.5, depthTest: true, depthWrite: false }));
  group.add(behind, front);
  return group;
}

/** Translucent faces: faint through the model, stronger where visible. */
function faceGroup(lib, geom, color, order) {
  const { THREE } = lib;
  const group = new THREE.Group();
  const behind = new THREE.Mesh(geom, new THREE.MeshBasicMaterial({
    color, transparent: true, opacity: 0.22, side: THREE.DoubleSide, depthTest: false, depthWrite: false,
  }));
  behind.renderOrder = order;
  const front = new THREE.Mesh(geom, new THREE.MeshBasicMaterial({
    color, transparent: true, opacity: 0.7, side: THREE.DoubleSide, depthWrite: false,
    polygonOffset: true, polygonOffsetFactor: -2, polygonOffsetUnits: -4,
  }));
  front.renderOrder = order + 1;
  group.add(behind, front);
  return group;
}

function invertedGroup(lib, flat, color) {
  const { THREE } = lib;
  if (!flat.length) return new THREE.Group();
  const geom = new THREE.BufferGeometry();
  geom.setAttribute('position', new THREE.BufferAttribute(flat, 3));
  return faceGroup(lib, geom, color, 10);
}

/** The model's flagged faces, sharing its vertex buffer. */
function overhangGroup(lib, data, color) {
  const { THREE } = lib;
  const faces = flaggedFaces(data.faceSets?.overhang, data.faceCount);
  if (!faces.length) return new THREE.Group();
  const index = new Uint32Array(3 * faces.length);
  faces.forEach((t, i) => index.set(data.indices.subarray(3 * t, 3 * t + 3), 3 * i));
  const geom = new THREE.BufferGeometry();
  geom.setAttribute('position', new THREE.BufferAttribute(data.positions, 3));
  geom.setIndex(new THREE.BufferAttribute(index, 1));
  return faceGroup(lib, geom, color, 5);
}

/** All overlays of `data` under one group; `groups` maps each kind to its own. */
export function buildOverlays(lib, data, colors) {
  const root = new lib.THREE.Group();
  root.name = 'problems';
  const { problems } = data;
  const groups = {
    overhang: overhangGroup(lib, data, colors.overhang),
    inverted_faces: invertedGroup(lib, problems.inverted_faces.flat, colors.inverted_faces),
  };
  for (const kind of ['thin_wall', 'nonmanifold_edges', 'open_edges']) {
    groups[kind] = lineGroup(lib, problems[kind].flat, colors[kind]);
    groups[kind].children.forEach((line, k) => { line.renderOrder = LINE_ORDER[kind] + k; });
  }
  for (const kind of OVERLAY_KINDS) {
    groups[kind].name = kind;
    root.add(groups[kind]);
  }
  return { root, groups };
}

/** What the legend says for each kind: count, and for the new overlays a title and figure. */
export function overlayFigures(data, labels) {
  const counts = Object.fromEntries(PROBLEM_KINDS.map((k) => [k, data.problems[k].count]));
  const overhang = data.overlays.overhang || null;
  const thin = data.overlays.thin_wall || null;
  const figures = Object.fromEntries(Object.entries(counts).map(([k, count]) => [k, { count, shown: true }]));
  figures.overhang = {
    count: overhang?.faces ?? 0,
    shown: Boolean(overhang && Number.isFinite(overhang.faces)),
    title: fillTemplate(labels.overhang, { angle: formatNumber(overhang?.angle_deg ?? 45, 0) }),
    detail: fillTemplate(labels.area, { area: formatNumber(overhang?.area_mm2 ?? 0, 0) }),
  };
  figures.thin_wall = {
    count: thin?.places ?? counts.thin_wall,
    shown: Boolean(thin && thin.min_wall_mm != null),
    title: fillTemplate(labels.thinWall, { mm: formatNumber(thin?.min_wall_mm ?? 0, 2) }),
  };
  return figures;
}

/** Fill one legend entry (`[data-problem=kind]`) with its figures. */
export function fillLegendItem(item, figure) {
  const set = (selector, text) => {
    const el = item.querySelector(selector);
    if (el && text != null) el.textContent = text;
  };
  set('[data-count]', formatNumber(figure.count, 0));
  set('[data-title]', figure.title);
  set('[data-detail]', figure.detail);
  item.dataset.count = String(figure.count);
  item.dataset.zero = figure.count === 0 ? 'true' : 'false';
  item.hidden = !figure.shown;
}
