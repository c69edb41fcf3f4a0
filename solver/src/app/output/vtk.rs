//! Fields for ParaView: VTK XML ImageData (.vti) through vtkio, and the small .pvd
//! collection XML (which vtkio lacks) that makes a series of files a time series.

use std::path::Path;
use vtkio::model::{
    Attribute, Attributes, ByteOrder, CellType, Cells, DataArray, DataSet, Extent, ImageDataPiece,
    Piece, StructuredGridPiece, UnstructuredGridPiece, Version, VertexNumbers, Vtk,
};

/// Writes point data on a uniform grid of 1 to 3 axes (`coords` per axis, values x fastest).
pub fn write_vti(
    path: &Path,
    coords: &[&[f64]],
    arrays: &[(&str, &[f64])],
) -> Result<(), vtkio::Error> {
    let mut n = [1u32; 3];
    let mut origin = [0f32; 3];
    let mut spacing = [1f32; 3];
    for (a, c) in coords.iter().enumerate() {
        n[a] = c.len() as u32;
        origin[a] = c[0] as f32;
        if c.len() > 1 {
            spacing[a] = ((c[c.len() - 1] - c[0]) / (c.len() - 1) as f64) as f32;
        }
    }
    let extent = Extent::Ranges([
        0..=n[0] as i32 - 1,
        0..=n[1] as i32 - 1,
        0..=n[2] as i32 - 1,
    ]);
    let point = arrays
        .iter()
        .map(|(name, v)| Attribute::DataArray(DataArray::scalars(*name, 1).with_data(v.to_vec())))
        .collect();
    let vtk = Vtk {
        version: Version::new_xml(1, 0),
        title: String::new(),
        byte_order: ByteOrder::LittleEndian,
        file_path: None,
        data: DataSet::ImageData {
            extent: extent.clone(),
            origin,
            spacing,
            meta: None,
            pieces: vec![Piece::Inline(Box::new(ImageDataPiece {
                extent,
                data: Attributes {
                    point,
                    cell: vec![],
                },
            }))],
        },
    };
    vtk.export(path)
}

/// Writes point data on a structured grid of `dims` points per axis (x fastest) whose points
/// sit at `points` (x, y, z each): a deformed body, for instance.
pub fn write_vts(
    path: &Path,
    dims: &[usize],
    points: &[[f64; 3]],
    arrays: &[(&str, &[f64])],
) -> Result<(), vtkio::Error> {
    let mut n = [1i32; 3];
    for (a, &d) in dims.iter().enumerate() {
        n[a] = d as i32;
    }
    let extent = Extent::Ranges([0..=n[0] - 1, 0..=n[1] - 1, 0..=n[2] - 1]);
    let point = arrays
        .iter()
        .map(|(name, v)| Attribute::DataArray(DataArray::scalars(*name, 1).with_data(v.to_vec())))
        .collect();
    let piece = StructuredGridPiece {
        extent: extent.clone(),
        points: points
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<f64>>()
            .into(),
        data: Attributes {
            point,
            cell: vec![],
        },
    };
    let vtk = Vtk {
        version: Version::new_xml(1, 0),
        title: String::new(),
        byte_order: ByteOrder::LittleEndian,
        file_path: None,
        data: DataSet::StructuredGrid {
            extent,
            meta: None,
            pieces: vec![Piece::Inline(Box::new(piece))],
        },
    };
    vtk.export(path)
}

/// Writes point data on scattered points (a point cloud of vertex cells) as .vtu, for
/// regions that are not boxes. `points` holds x, y, z per point.
pub fn write_vtu_points(
    path: &Path,
    points: &[[f64; 3]],
    arrays: &[(&str, &[f64])],
) -> Result<(), vtkio::Error> {
    let n = points.len() as u64;
    let point = arrays
        .iter()
        .map(|(name, v)| Attribute::DataArray(DataArray::scalars(*name, 1).with_data(v.to_vec())))
        .collect();
    let piece = UnstructuredGridPiece {
        points: points
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<f64>>()
            .into(),
        cells: Cells {
            cell_verts: VertexNumbers::XML {
                connectivity: (0..n).collect(),
                offsets: (1..=n).collect(),
            },
            types: vec![CellType::Vertex; n as usize],
        },
        data: Attributes {
            point,
            cell: vec![],
        },
    };
    let vtk = Vtk {
        version: Version::new_xml(1, 0),
        title: String::new(),
        byte_order: ByteOrder::LittleEndian,
        file_path: None,
        data: DataSet::UnstructuredGrid {
            meta: None,
            pieces: vec![Piece::Inline(Box::new(piece))],
        },
    };
    vtk.export(path)
}

/// Writes a ParaView collection: one (time, file relative to the .pvd) per entry.
pub fn write_pvd(path: &Path, entries: &[(f64, String)]) -> std::io::Result<()> {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n");
    for (t, file) in entries {
        xml.push_str(&format!(
            "    <DataSet timestep=\"{t}\" group=\"\" part=\"0\" file=\"{file}\"/>\n"
        ));
    }
    xml.push_str("  </Collection>\n</VTKFile>\n");
    super::write_atomic(path, xml.as_bytes())
}

/// Whether coordinates are evenly spaced (ImageData needs that).
pub fn is_uniform(c: &[f64]) -> bool {
    if c.len() < 3 {
        return true;
    }
    let h = (c[c.len() - 1] - c[0]) / (c.len() - 1) as f64;
    c.windows(2)
        .all(|w| ((w[1] - w[0]) - h).abs() <= 1e-9 * h.abs().max(1e-300) + 1e-12)
}
