// Colours and labels of a model viewer, read from its markup (lms/templates/_viewer.html).

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
  overhang: '#1749c4',
  thin_wall: '#0a8f4d',
  measure: '#111827',
};

export const FALLBACK_LABELS = {
  loading: 'Loading 3D model…',
  errorWebgl: 'Interactive 3D view is not available in this browser. Showing a still image instead.',
  errorFetch: 'The 3D model could not be loaded. Showing a still image instead.',
  errorData: 'The 3D model data is damaged. Showing a still image instead.',
  simplified: 'Simplified preview: the original mesh has more faces.',
  scaleBar: 'Scale bar',
  mm: 'mm',
  canvas: '',
  overhang: 'Overhangs beyond {angle}°',
  area: '{area} mm²',
  thinWall: 'Walls thinner than {mm} mm',
  distance: 'Distance: {distance}',
  measureFirst: 'Click a point on the model.',
  measureSecond: 'Click a second point.',
};

/** The data-label-* attributes, English where one is missing. */
export function readLabels(dataset) {
  const labels = {};
  for (const [key, fallback] of Object.entries(FALLBACK_LABELS)) {
    labels[key] = dataset[`label${key[0].toUpperCase()}${key.slice(1)}`] || fallback;
  }
  return labels;
}

/** The overlay and model colours: the page's CSS custom properties, else the defaults. */
export function readColors(root) {
  const style = getComputedStyle(root);
  const pick = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const vars = {
    background: '--mv-bg', model: '--mv-model', open_edges: '--mv-open', nonmanifold_edges: '--mv-nonmanifold',
    inverted_faces: '--mv-inverted', overhang: '--mv-overhang', thin_wall: '--mv-thin', measure: '--mv-measure',
  };
  const colors = { ...DEFAULT_COLORS };
  for (const [key, name] of Object.entries(vars)) colors[key] = pick(name, DEFAULT_COLORS[key]);
  return colors;
}

