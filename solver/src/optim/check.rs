//! Checking a hand-written gradient against central differences of the objective.

use super::Objective;

/// The largest difference between `obj`'s gradient at `params` and central differences of
/// step `h`, relative to |∂f/∂x_i| + `floor` (the floor keeps tiny components from dominating).
pub(crate) fn gradient_error(
    obj: &mut impl Objective<f64>,
    params: &[f64],
    h: f64,
    floor: f64,
) -> f64 {
    let mut x = params.to_vec();
    let (mut grad, mut scratch) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    obj.value_and_grad(&x, &mut grad);
    let mut worst: f64 = 0.0;
    for i in 0..x.len() {
        let keep = x[i];
        x[i] = keep + h;
        let up = obj.value_and_grad(&x, &mut scratch);
        x[i] = keep - h;
        let down = obj.value_and_grad(&x, &mut scratch);
        x[i] = keep;
        let fd = (up - down) / (2.0 * h);
        worst = worst.max((fd - grad[i]).abs() / (floor + grad[i].abs()));
    }
    worst
}
