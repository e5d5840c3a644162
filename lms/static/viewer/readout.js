// What the viewer shows beside the model: sizes, legend, scale bar, and the still image it falls back to.

import { degToRad, formatMm, formatNumber, niceFloor } from './format.js';
import { fillLegendItem, OVERLAY_KINDS, overlayFigures } from './overlays.js';

/** Show the still image and `message` instead of the 3D view. */
export function showFallback(viewer, message, err) {
  viewer.error = err ? String(err.message || err) : message;
  if (err) console.warn('[model-viewer]', err);
  viewer.state = 'fallback';
  viewer.root.dataset.state = 'fallback';
  viewer.root.dataset.problemsVisible = 'false';
  if (viewer.toolbar) viewer.toolbar.hidden = true;
  if (viewer.scaleBar) viewer.scaleBar.hidden = true;
  if (viewer.frameRequest) cancelAnimationFrame(viewer.frameRequest);
  viewer.frameRequest = 0;
  if (viewer.canvas) {
    viewer.canvas.setAttribute('aria-hidden', 'true');
    viewer.canvas.removeAttribute('tabindex');
  }
  if (viewer.fallbackImg && viewer.root.dataset.thumbnailUrl) {
    viewer.fallbackImg.hidden = false;
    viewer.fallbackImg.loading = 'eager';
    viewer.fallbackImg.addEventListener('error', () => { viewer.fallbackImg.hidden = true; }, { once: true });
  }
  viewer.setStatus(message);
  viewer.root.dispatchEvent(new CustomEvent('modelviewer:fallback', { bubbles: true, detail: { viewer, error: viewer.error } }));
}

/** Size, triangles and the legend's figures. */
export function fillInfo(viewer) {
  const { extents, faceCount, simplified } = viewer.data;
  const field = (name) => viewer.root.querySelector(`[data-field="${name}"]`);
  const dims = field('dimensions');
  if (dims && extents) dims.textContent = `${extents.map((v) => formatNumber(v, 1)).join(' × ')} ${viewer.labels.mm}`;
  const faces = field('faces');
  if (faces) faces.textContent = formatNumber(faceCount, 0);
  const simp = field('simplified');
  if (simp) {
    simp.textContent = viewer.labels.simplified;
    simp.hidden = !simplified;
  }
  viewer.figures = overlayFigures(viewer.data, viewer.labels);
  for (const kind of OVERLAY_KINDS) {
    const item = viewer.root.querySelector(`[data-problem="${kind}"]`);
    if (item) fillLegendItem(item, viewer.figures[kind]);
  }
  if (viewer.info) viewer.info.hidden = false;
}

/** The scale bar's length for the current zoom, at the orbit centre. */
export function updateScaleBar(viewer) {
  if (!viewer.scaleBar) return;
  const distance = viewer.camera.position.distanceTo(viewer.controls.target);
  const pxPerMm = viewer.height / (2 * distance * Math.tan(degToRad(viewer.camera.fov) / 2)); // at the orbit centre
  if (!(pxPerMm > 0) || !Number.isFinite(pxPerMm)) {
    viewer.scaleBar.hidden = true;
    return;
  }
  const lengthMm = niceFloor(Math.min(110, viewer.width * 0.3) / pxPerMm);
  const bar = viewer.scaleBar.querySelector('.mv-scalebar-bar');
  const label = viewer.scaleBar.querySelector('.mv-scalebar-label');
  if (bar) bar.style.width = `${(lengthMm * pxPerMm).toFixed(1)}px`;
  const text = formatMm(lengthMm, viewer.labels.mm);
  if (label) label.textContent = text;
  viewer.scaleBar.title = `${viewer.labels.scaleBar}: ${text}`;
  viewer.scaleBarMm = lengthMm;
  viewer.scaleBar.hidden = false;
}
