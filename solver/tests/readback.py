"""Reads a run directory back with the real readers (h5py, VTK) and checks what it holds.

    python readback.py RUN_DIR NX NT     prints "readback ok" or fails with a message
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

run, nx, nt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

with h5py.File(os.path.join(run, "results.h5"), "r") as f:
    x, t = f["coords/x"][:], f["coords/t"][:]
    u, ref, err = f["fields/u"][:], f["reference/u"][:], f["error/u"][:]
    assert x.shape == (nx,) and t.shape == (nt,), (x.shape, t.shape)
    assert u.shape == (nt, nx) and ref.shape == u.shape and err.shape == u.shape, u.shape
    assert np.allclose(err, np.abs(u - ref)), "error = |u - reference|"
    steps, loss, terms = f["history/step"][:], f["history/loss"][:], f["history/terms"][:]
    assert len(steps) >= 2 and np.all(np.diff(steps) > 0), steps
    assert terms.shape == (len(steps), len(f["history"].attrs["term_names"].split("\n")))
    assert np.all(np.isfinite(loss))
    summary = json.loads(f.attrs["summary"])

with open(os.path.join(run, "summary.json")) as fh:
    assert json.load(fh) == summary
rel = np.linalg.norm(u - ref) / np.linalg.norm(ref)
assert abs(rel - summary["relative_l2"]["u"]) < 1e-9 * max(1.0, rel), (rel, summary["relative_l2"])

# The .pvd lists one .vti per time; each holds u, u_reference, u_error on nx points.
pvd = ET.parse(os.path.join(run, "solution.pvd")).getroot()
entries = pvd.findall("./Collection/DataSet")
assert len(entries) == nt, len(entries)
for k in (0, nt // 2, nt - 1):
    e = entries[k]
    assert abs(float(e.get("timestep")) - t[k]) < 1e-12
    reader = vtk.vtkXMLImageDataReader()
    reader.SetFileName(os.path.join(run, e.get("file")))
    reader.Update()
    img = reader.GetOutput()
    assert img.GetNumberOfPoints() == nx, img.GetNumberOfPoints()
    pd = img.GetPointData()
    names = sorted(pd.GetArrayName(i) for i in range(pd.GetNumberOfArrays()))
    assert names == ["u", "u_error", "u_reference"], names
    assert np.allclose(vtk_to_numpy(pd.GetArray("u")), u[k]), "VTK and HDF5 agree"
    p = img.GetPoint(nx - 1)
    assert abs(p[0] - x[-1]) < 1e-5, (p, x[-1])

print("readback ok")
