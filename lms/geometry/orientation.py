"""Face orientation: which faces are flipped, which parts are inside out.

Everything here is vectorised and at worst O(n log n) in the number of faces:
one breadth-first search over the face graph of the whole mesh (a virtual
root joins the parts), pointer jumping for the parity, and per-part counts
with ``np.bincount``.
"""

from __future__ import annotations

import numpy as np

# a closed inside-out part is a cavity when one of this many largest parts encloses its box
MAX_CONTAINERS = 256


def _edge_flip_lookup(fa, fb, flip, n):
    """Sorted keys of face pairs, and their flip flags, for searchsorted look-ups."""
    key = np.minimum(fa, fb).astype(np.int64) * n + np.maximum(fa, fb)
    if int(n * n).bit_length() < 62:  # one plain sort of the key with its flag packed in
        packed = np.sort((key << 1) | flip.astype(np.int64))
        return packed >> 1, (packed & 1).astype(np.int8)
    order = np.argsort(key)
    return key[order], flip[order].astype(np.int8)


def orientation_parity(n_faces: int, fa: np.ndarray, fb: np.ndarray, flip: np.ndarray,
                       part: np.ndarray) -> np.ndarray:
    """Parity (1 = wound opposite) of every face relative to the first face of its part.

    *fa*, *fb* are faces sharing a manifold edge; *flip* is True where the two
    traverse it in the same direction.  *part* (F,) labels faces (-1 = unused).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    used = np.flatnonzero(part >= 0)
    first = np.full(int(part.max()) + 1 if len(used) else 0, n_faces, np.int64)
    np.minimum.at(first, part[used], used)  # the first face of each part (no argsort)
    roots = first[first < n_faces]
    hub = n_faces  # virtual root joining the first face of every part
    a = np.concatenate([fa, fb, np.full(len(roots), hub)])
    b = np.concatenate([fb, fa, roots])
    g = csr_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n_faces + 1, n_faces + 1))
    _, pred = breadth_first_order(g, hub, directed=True, return_predecessors=True)
    parent = pred[:n_faces].astype(np.int64)
    parent[(parent < 0) | (parent == hub)] = -1
    parity = np.zeros(n_faces, np.int8)
    child = np.flatnonzero(parent >= 0)
    if len(child):
        keys, flips = _edge_flip_lookup(fa, fb, flip, np.int64(n_faces))
        q = np.minimum(child, parent[child]) * np.int64(n_faces) + np.maximum(child, parent[child])
        parity[child] = flips[np.searchsorted(keys, q)]
    # pointer jumping: parity to the root is the xor of the flips along the path
    ptr = parent
    while True:
        live = np.flatnonzero(ptr >= 0)
        if not len(live):
            return parity
        parity[live] ^= parity[ptr[live]]
        ptr[live] = ptr[ptr[live]]


def flipped_faces(parity: np.ndarray, part: np.ndarray, face_volume: np.ndarray) -> np.ndarray:
    """Faces wound against the majority of their part; a tie goes to positive volume."""
    used = part >= 0
    lab = np.where(used, part, part.max() + 1 if used.any() else 0)
    n = int(lab.max()) + 1
    ones = np.bincount(lab, weights=parity, minlength=n)
    size = np.bincount(lab, minlength=n)
    # volume of each part with its parity-1 faces turned over
    signed = np.where(parity == 1, -face_volume, face_volume)
    vol_ones_turned = np.bincount(lab, weights=signed, minlength=n)
    turn_ones = (ones * 2 < size) | ((ones * 2 == size) & (vol_ones_turned >= 0))
    flip = np.where(turn_ones[lab], parity == 1, parity == 0) & used & (ones[lab] > 0)
    return np.flatnonzero(flip)


def inverted_shells(closed: np.ndarray, volume: np.ndarray, bounds: np.ndarray,
                    max_containers: int = MAX_CONTAINERS) -> np.ndarray:
    """Closed parts with negative volume that are not cavities of a larger part.

    A cavity's box lies inside the box of a part with a larger volume; the
    *max_containers* largest parts are tried (exact for any usual model, and
    linear in the number of parts).
    """
    neg = np.flatnonzero(closed & (volume < 0))
    if not len(neg):
        return neg.astype(np.int64)
    pos = np.flatnonzero(volume > 0)
    pos = pos[np.argsort(-volume[pos], kind="stable")][:max_containers]
    lo, hi, need = bounds[neg, 0], bounds[neg, 1], -volume[neg]
    cavity = np.zeros(len(neg), bool)
    for c in pos:
        cavity |= ((bounds[c, 0] <= lo + 1e-9).all(axis=1) & (bounds[c, 1] >= hi - 1e-9).all(axis=1)
                   & (volume[c] > need))
    return neg[~cavity].astype(np.int64)
