// Interactive 3D model viewer for checked student submissions.
//
// Markup comes from the `model_viewer` macro in lms/templates/_viewer.html;
// three.js is bundled with this file by esbuild (`npm run build`) and loads
// as chunks when a viewer starts.  The modules beside this one:
//   data.js      fetching and decoding the viewer data
//   scene.js     renderer, model, grid, camera and framing
//   overlays.js  problem overlays and their legend
//   controls.js  keyboard and toolbar
//   measure.js   the measuring tool
//   readout.js   sizes, legend, scale bar and the fallback image
//   settings.js  colours and labels from the markup
//
// Data at data-viewer-url (units mm, Z up) comes in one of two forms.
// The compact one (format "lms-mesh-1", lms/geometry/viewer.py):
//   face_count, bounds, extents_mm, problems (as below), overlays (figures
//   for the legend), face_sets (names of the per-triangle bitsets in each level)
//   levels      [{faces, vertices, url}, ...] lightest first; the first is
//               shown, the last (full detail) is loaded when asked for. Each
//               url answers the binary form described in viewer.py.
// The older one (whole JSON): positions / indices (base64 float32 / uint32),
//   vertex_count, face_count, simplified, bounds, extents_mm, problems:
//   { open_edges: [[6 floats], ...], nonmanifold_edges: [[6 floats], ...],
//     inverted_faces: [[9 floats], ...], thin_wall: [[6 floats], ...] }
//
// Container attributes maintained for pages and tests:
//   data-state             "loading" | "ready" | "fallback"
//   data-problems-visible  "true" | "false"
//   data-measure           "on" | "off"
// Every viewer is also listed in `window.__lmsViewers` (describe(),
// projectToClient([x, y, z]) for tests), and the container fires a
// `modelviewer:ready` / `modelviewer:fallback` event.

import { bindOverlayToggles, bindToolbar, orbitKey, settle } from './controls.js';
import { compactData, decodeMeshBinary, decodeViewerData, fetchMesh, fetchViewerData, loadThree } from './data.js';
import { formatMm } from './format.js';
import { Measure } from './measure.js';
import { buildOverlays, OVERLAY_KINDS } from './overlays.js';
import { fillInfo, showFallback, updateScaleBar } from './readout.js';
import {
  addCamera, addGrid, buildModel, createRenderer, disposeTree, frameBox, modelBox, VIEW_BELOW,
} from './scene.js';
import { readColors, readLabels } from './settings.js';

export { decodeMeshBinary, decodeViewerData };

const viewers = [];
if (typeof window !== 'undefined') {
  window.__lmsViewers = viewers;
}

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
    const action = (name) => root.querySelector(`[data-action="${name}"]`);
    this.buttons = {
      reset: action('reset'), below: action('below'), wireframe: action('wireframe'), problems: action('problems'),
      full: action('full'), measure: action('measure'), measureClear: action('measure-clear'),
    };
    this.labels = readLabels(root.dataset);
    this.colors = readColors(root);
    this.wireframe = this.buttons.wireframe?.getAttribute('aria-pressed') === 'true';
    this.problemsVisible = this.buttons.problems ? this.buttons.problems.getAttribute('aria-pressed') !== 'false' : true;
    this.overlayVisible = Object.fromEntries(OVERLAY_KINDS.map((k) => [k, true]));
    this.frameRequest = 0;
    this.data = null;
    this.error = null;
  }

  fail(message, err) {
    showFallback(this, message, err);
  }

  fillInfo() {
    fillInfo(this);
  }

  setStatus(text) {
    if (this.status) this.status.textContent = text || '';
  }

  async start() {
    this.setStatus(this.labels.loading);
    let fetched;
    try {
      if (!this.root.dataset.viewerUrl) throw new Error('no data-viewer-url');
      fetched = await fetchViewerData(this.root.dataset.viewerUrl);
    } catch (err) {
      this.fail(this.labels.errorFetch, err);
      return;
    }
    const { payload, buffer } = fetched;
    try {
      this.data = buffer ? compactData(payload, decodeMeshBinary(buffer), 0) : decodeViewerData(payload);
    } catch (err) {
      this.fail(this.labels.errorData, err);
      return;
    }
    this.meta = buffer ? payload : null;
    this.fillInfo();
    try {
      this.build(await loadThree());
    } catch (err) {
      // loading three.js failed, or WebGLRenderer threw: no context could be created.
      this.fail(this.labels.errorWebgl, err);
    }
  }

  build(lib) {
    this.lib = lib;
    const { renderer, scene } = createRenderer(lib, this.canvas, this.colors.background);
    this.renderer = renderer;
    this.scene = scene;
    this.canvas.addEventListener('webglcontextlost', (event) => {
      event.preventDefault();
      this.fail(this.labels.errorWebgl, new Error('WebGL context lost'));
    });
    this.addModel();
    this.box = modelBox(lib, this.data, this.geometry);
    this.radius = Math.max(this.box.getSize(new lib.THREE.Vector3()).length() / 2, 1e-3);
    const { cell } = addGrid(lib, scene, this.box, this.colors);
    this.gridCell = cell;
    const gridField = this.root.querySelector('[data-field="grid"]');
    if (gridField) gridField.textContent = formatMm(cell, this.labels.mm);
    Object.assign(this, addCamera(lib, scene, this.canvas, this.radius));
    this.controls.addEventListener('change', () => this.requestRender());
    this.addOverlays();
    this.resize();
    frameBox(lib, this.camera, this.controls, this.box);
    this.controls.saveState();
    this.resizeObserver = new ResizeObserver(() => {
      this.resize();
      this.requestRender();
    });
    this.resizeObserver.observe(this.stage || this.canvas);
    this.bindUi();
    this.canvas.setAttribute('aria-label', this.labels.canvas || this.canvas.getAttribute('aria-label') || '');
    this.requestRender();
  }

  addModel() {
    const model = buildModel(this.lib, this.scene, this.data, this.colors);
    this.geometry = model.geometry;
    this.frontMesh = model.frontMesh;
    this.backMesh = model.backMesh;
    this.featureEdges = model.featureEdges;
  }

  addOverlays() {
    if (this.overlay) {
      this.scene.remove(this.overlay);
      disposeTree(this.overlay);
    }
    const { root, groups } = buildOverlays(this.lib, this.data, this.colors);
    this.overlay = root;
    this.overlayGroups = groups;
    this.scene.add(root);
    this.applyOverlays();
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
      disposeTree(obj);
    }
    this.data = data;
    this.addModel();
    this.addOverlays();
    this.applyWireframe();
    this.fillInfo();
    if (button) button.hidden = true;
    this.root.dataset.level = 'full';
    this.setStatus('');
    this.requestRender();
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
    if (this.state === 'fallback' || this.frameRequest || !this.renderer) return;
    this.frameRequest = requestAnimationFrame(() => this.renderFrame());
  }

  renderFrame() {
    this.frameRequest = 0;
    if (this.state === 'fallback') return;
    const moving = this.controls.update();
    this.renderer.render(this.scene, this.camera);
    updateScaleBar(this);
    if (this.state !== 'ready') this.becomeReady();
    if (moving) this.requestRender();
  }

  becomeReady() {
    this.state = 'ready';
    this.root.dataset.state = 'ready';
    this.setStatus('');
    if (this.toolbar) this.toolbar.hidden = false;
    this.root.dispatchEvent(new CustomEvent('modelviewer:ready', { bubbles: true, detail: { viewer: this } }));
  }

  // ------------------------------------------------------------------- UI

  bindUi() {
    bindToolbar(this);
    bindOverlayToggles(this);
    this.measure = new Measure(this);
    this.measure.bind();
    this.canvas.addEventListener('keydown', (event) => this.onKeyDown(event));
    // Clicking the canvas should give it keyboard focus (tabindex=0 in markup).
    this.canvas.addEventListener('pointerdown', () => this.canvas.focus({ preventScroll: true }));
    this.applyWireframe();
    this.applyProblems();
  }

  onKeyDown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (!this.measure.onKey(event) && !orbitKey(this, event)) return;
    event.preventDefault();
    this.controls.update();
    this.requestRender();
  }

  /** Look at the model from straight below (the side that rests on the bed). */
  viewFromBelow() {
    if (!this.controls) return;
    settle(this.controls);
    frameBox(this.lib, this.camera, this.controls, this.box, VIEW_BELOW);
    this.root.dataset.view = 'below';
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

  setOverlayVisible(kind, on) {
    if (!(kind in this.overlayVisible)) return;
    this.overlayVisible[kind] = Boolean(on);
    this.applyOverlays();
    this.requestRender();
  }

  applyOverlays() {
    for (const kind of OVERLAY_KINDS) {
      const on = this.overlayVisible[kind];
      if (this.overlayGroups?.[kind]) this.overlayGroups[kind].visible = on;
      const box = this.root.querySelector(`input[data-toggle="${kind}"]`);
      if (box) box.checked = on;
    }
  }

  /** Client pixel of a model point (mm), for tests and debugging. */
  projectToClient(point) {
    const v = new this.lib.THREE.Vector3(...point).project(this.camera);
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + ((v.x + 1) / 2) * rect.width, y: rect.top + ((1 - v.y) / 2) * rect.height };
  }

  /** Snapshot used by tests and debugging. */
  describe() {
    const visible = (group) => Boolean(group && group.visible && group.children.length && this.overlay.visible);
    return {
      state: this.state,
      error: this.error,
      wireframe: this.wireframe,
      problemsVisible: this.problemsVisible,
      gridCellMm: this.gridCell ?? null,
      scaleBarMm: this.scaleBarMm ?? null,
      faceCount: this.data?.faceCount ?? null,
      problemCounts: this.figures ? Object.fromEntries(OVERLAY_KINDS.map((k) => [k, this.figures[k].count])) : null,
      overlaysDrawn: this.overlayGroups
        ? Object.fromEntries(OVERLAY_KINDS.map((k) => [k, visible(this.overlayGroups[k])])) : null,
      camera: this.camera ? this.camera.position.toArray() : null,
      target: this.controls ? this.controls.target.toArray() : null,
      measure: this.measure ? this.measure.describe() : null,
      webgl: this.renderer ? (this.renderer.capabilities.isWebGL2 ? 2 : 1) : 0,
    };
  }

  dispose() {
    if (this.frameRequest) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = 0;
    this.resizeObserver?.disconnect();
    this.controls?.dispose();
    disposeTree(this.scene);
    this.renderer?.dispose();
  }
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
