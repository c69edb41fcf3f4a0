"""Renders a run's solution.pvd with ParaView, as a user would see it after File > Open.

    xvfb-run -a pvbatch scripts/paraview_screenshot.py RUN_DIR OUT.png [FIELD] [TIME_INDEX]

Loads the .pvd time series, moves to the given time step (default: the last), colors the
data by FIELD (default u) with a color bar, and saves a PNG.
"""
import sys

from paraview.simple import (ColorBy, GetAnimationScene, GetActiveViewOrCreate, PVDReader, ResetCamera,
                             SaveScreenshot, Show, Text)

run, png = sys.argv[1], sys.argv[2]
field = sys.argv[3] if len(sys.argv) > 3 else "u"
reader = PVDReader(FileName=f"{run}/solution.pvd")
times = list(reader.TimestepValues) if reader.TimestepValues else [0.0]
k = int(sys.argv[4]) if len(sys.argv) > 4 else len(times) - 1
scene = GetAnimationScene()
scene.UpdateAnimationUsingDataTimeSteps()
scene.AnimationTime = times[k]
view = GetActiveViewOrCreate("RenderView")
view.ViewSize = [900, 700]
view.ViewTime = times[k]
display = Show(reader, view)
display.Representation = "Surface"
ColorBy(display, ("POINTS", field))
display.RescaleTransferFunctionToDataRange(True, False)
display.SetScalarBarVisibility(view, True)
label = Text(Text=f"{run}/solution.pvd   {field} at t = {times[k]:.3g}  (step {k + 1} of {len(times)})")
Show(label, view).FontSize = 14
view.CameraPosition = [0.5, 0.5, 3.0]
view.CameraFocalPoint = [0.5, 0.5, 0.0]
view.CameraViewUp = [0.0, 1.0, 0.0]
ResetCamera(view)
SaveScreenshot(png, view, ImageResolution=[900, 700])
print(f"wrote {png}: {field} at t = {times[k]} from {len(times)} time steps")
