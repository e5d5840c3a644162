// The measuring tool: pick two points on the model (click, or Enter for the
// point under the centre of the view) and read their distance in mm.

import { fillTemplate, formatMm } from './format.js';

const CLICK_SLOP_PX = 5; // a pointer that moved further was dragging the view

export class Measure {
  constructor(viewer) {
    this.viewer = viewer;
    this.lib = viewer.lib;
    this.active = false;
    this.points = [];
    this.markers = new this.lib.THREE.Group();
    this.markers.name = 'measure';
    viewer.scene.add(this.markers);
    this.raycaster = new this.lib.THREE.Raycaster();
    this.readout = viewer.root.querySelector('[data-field="measure"]');
    this.button = viewer.buttons.measure;
    this.clearButton = viewer.buttons.measureClear;
    this.down = null;
  }

  bind() {
    const canvas = this.viewer.canvas;
    this.button?.addEventListener('click', () => this.setActive(!this.active));
    this.clearButton?.addEventListener('click', () => this.clear());
    canvas.addEventListener('pointerdown', (e) => { this.down = [e.clientX, e.clientY]; });
    canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.render();
  }

  setActive(on) {
    this.active = Boolean(on);
    this.viewer.root.dataset.measure = this.active ? 'on' : 'off';
    this.button?.setAttribute('aria-pressed', this.active ? 'true' : 'false');
    this.render();
  }

  onPointerUp(event) {
    if (!this.active || !this.down || event.button !== 0) return;
    const moved = Math.hypot(event.clientX - this.down[0], event.clientY - this.down[1]);
    this.down = null;
    if (moved <= CLICK_SLOP_PX) this.pickAtClient(event.clientX, event.clientY);
  }

  /** Keys for the canvas while measuring: Enter/Space pick the centre, Escape clears. */
  onKey(event) {
    if (!this.active) return false;
    if (event.key === 'Enter' || event.key === ' ') {
      const rect = this.viewer.canvas.getBoundingClientRect();
      this.pickAtClient(rect.left + rect.width / 2, rect.top + rect.height / 2);
      return true;
    }
    if (event.key === 'Escape') {
      this.clear();
      return true;
    }
    return false;
  }

  /** The model's surface point under client pixel (x, y), added as a measuring point. */
  pickAtClient(x, y) {
    const { THREE } = this.lib;
    const rect = this.viewer.canvas.getBoundingClientRect();
    const ndc = new THREE.Vector2(((x - rect.left) / rect.width) * 2 - 1, -((y - rect.top) / rect.height) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.viewer.camera);
    const targets = [this.viewer.frontMesh, this.viewer.backMesh].filter(Boolean);
    const hit = this.raycaster.intersectObjects(targets, false)[0];
    if (!hit) return null;
    this.addPoint(hit.point.clone());
    return hit.point.toArray();
  }

  addPoint(point) {
    if (this.points.length >= 2) this.clear();
    this.points.push(point);
    this.drawMarkers();
    this.render();
  }

  clear() {
    this.points = [];
    this.drawMarkers();
    this.render();
  }

  distance() {
    return this.points.length === 2 ? this.points[0].distanceTo(this.points[1]) : null;
  }

  drawMarkers() {
    const { THREE } = this.lib;
    this.markers.children.slice().forEach((obj) => {
      this.markers.remove(obj);
      obj.geometry?.dispose();
    });
    const color = this.viewer.colors.measure;
    const material = new THREE.MeshBasicMaterial({ color, depthTest: false });
    const size = this.viewer.radius * 0.015;
    for (const point of this.points) {
      const dot = new THREE.Mesh(new THREE.SphereGeometry(size, 12, 8), material);
      dot.position.copy(point);
      dot.renderOrder = 50;
      this.markers.add(dot);
    }
    if (this.points.length === 2) {
      const geom = new THREE.BufferGeometry().setFromPoints(this.points);
      const line = new THREE.Line(geom, new THREE.LineBasicMaterial({ color, depthTest: false }));
      line.renderOrder = 51;
      this.markers.add(line);
    }
    this.viewer.requestRender();
  }

  /** The readout and buttons for the current state. */
  render() {
    const labels = this.viewer.labels;
    const d = this.distance();
    if (this.clearButton) this.clearButton.hidden = this.points.length === 0;
    if (!this.readout) return;
    let text = '';
    if (d != null) text = fillTemplate(labels.distance, { distance: formatMm(d, labels.mm) });
    else if (this.points.length === 1) text = labels.measureSecond;
    else if (this.active) text = labels.measureFirst;
    this.readout.textContent = text;
    this.readout.hidden = !text;
  }

  describe() {
    return { active: this.active, points: this.points.map((p) => p.toArray()), distanceMm: this.distance() };
  }
}
