"""`report.keypoints.top_index`: each member's highest finite altitude without a masked copy of
the paths, the same index as masking the non-finite values first."""

from __future__ import annotations

import numpy as np

from stratowatch.report.keypoints import top_index


def test_top_index_equals_masked_argmax() -> None:
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        alt = rng.uniform(0.0, 30000.0, (400, 50)).astype(dtype)
        alt[rng.random(alt.shape) < 0.05] = np.nan  # members that stopped
        alt[5, 20:] = np.nan
        alt[6] = np.nan  # no finite value at all
        alt[7, 3] = np.inf
        alt[8, :] = -np.inf
        alt[9, 10] = alt[9, 30] = 40000.0  # a tie: the first one
        masked = np.argmax(np.where(np.isfinite(alt), alt, -np.inf), axis=1)
        assert np.array_equal(top_index(alt), masked)
    assert top_index(np.empty((0, 5))).shape == (0,)
