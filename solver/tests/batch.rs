//! Sweeps end to end: `ansatz sweep`, `batch --local`, `batch --slurm` on a real single-node
//! SLURM (scripts/slurm-local.sh) and `collect`, on a small heat problem with a closed-form
//! reference. Set ANSATZ_SKIP_SLURM=1 to skip the SLURM part where no cluster can run (it
//! needs root to start the daemons).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

mod common;
use common::{metrics_reached, python, scratch, ANSATZ, HEAT};

fn scratch_with_problem(name: &str) -> PathBuf {
    let dir = scratch(&format!("batch-{name}"));
    std::fs::write(dir.join("heat.toml"), HEAT).unwrap();
    dir
}

fn ansatz(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(ANSATZ)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ansatz {args:?} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// A 4-run sweep (k in {0.05, 0.1} x 2 seeds) of the heat problem into `dir/name`.
fn sweep(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let file = dir.join("heat.toml");
    ansatz(
        &[
            &[
                "sweep",
                file.to_str().unwrap(),
                "--vary",
                "parameters.k=[0.05, 0.1]",
                "--seeds",
                "2",
                "--out",
                out.to_str().unwrap(),
            ][..],
            extra,
        ]
        .concat(),
        &[],
    );
    out
}

/// collect.csv without the wall-time column (the only one that may differ between runs).
fn table_without_times(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("collect.csv")).unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let wall = rows[0].iter().position(|c| c == "wall_s").unwrap();
    rows.into_iter()
        .map(|mut r| {
            r.remove(wall);
            r
        })
        .collect()
}

fn slurm_up() -> Option<String> {
    if std::env::var("ANSATZ_SKIP_SLURM").is_ok_and(|v| v == "1") {
        eprintln!("ANSATZ_SKIP_SLURM=1: the SLURM part of this test is skipped");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/slurm-local.sh");
    let up = Command::new("bash")
        .arg(&script)
        .arg("up")
        .output()
        .unwrap();
    assert!(
        up.status.success(),
        "scripts/slurm-local.sh up failed (it needs root; ANSATZ_SKIP_SLURM=1 skips this):\n{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let env = Command::new("bash")
        .arg(&script)
        .arg("env")
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&env.stdout).into_owned();
    Some(
        line.trim()
            .trim_start_matches("export SLURM_CONF=")
            .to_string(),
    )
}

/// Must show 1 and 2 of the issue: the same sweep as a SLURM job array and with
/// `--local -j 2` gives the same collected table, 4 completed runs with their errors.
#[test]
fn slurm_array_and_local_batch_collect_the_same_table() {
    let dir = scratch_with_problem("same-table");
    let local = sweep(&dir, "local", &[]);
    let out = ansatz(
        &["batch", local.to_str().unwrap(), "--local", "-j", "2"],
        &[],
    );
    assert!(out.contains("4 completed, 0 failed"), "{out}");
    let out = ansatz(&["collect", local.to_str().unwrap()], &[]);
    assert!(out.contains("4 of 4 runs completed"), "{out}");
    let local_table = table_without_times(&local);
    assert_eq!(local_table.len(), 5);
    let error = local_table[0]
        .iter()
        .position(|c| c == "relative_l2_u")
        .unwrap();
    for row in &local_table[1..] {
        let e: f64 = row[error].parse().unwrap();
        assert!(e < 5e-2, "relative L2 {e} in {row:?}");
    }
    // Seeds differ, so runs differ: the table is not one run copied four times.
    assert_ne!(local_table[1][error], local_table[2][error]);

    // collect.h5, read back by h5py: the same errors, status words and swept values.
    let check = format!(
        r#"
import h5py, csv
rows = list(csv.DictReader(open("{0}/collect.csv")))
with h5py.File("{0}/collect.h5", "r") as f:
    assert f.attrs["columns"].split(",")[:3] == ["index", "name", "parameters.k"], f.attrs["columns"]
    assert [s.decode() for s in f["status"][:]] == ["completed"] * 4
    assert list(f["parameters.k"][:]) == [0.05, 0.05, 0.1, 0.1]
    for r, e in zip(rows, f["relative_l2_u"][:]):
        assert float(r["relative_l2_u"]) == e, (r, e)
print("collect.h5 ok")
"#,
        local.display()
    );
    let py = Command::new(python())
        .args(["-c", &check])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert!(local.join("collect.png").exists());

    let Some(conf) = slurm_up() else { return };
    let env = [("SLURM_CONF", conf.as_str())];
    let cluster = sweep(&dir, "slurm", &[]);
    let out = ansatz(
        &[
            "batch",
            cluster.to_str().unwrap(),
            "--slurm",
            "--throttle",
            "2",
            "--preamble",
            "echo preamble ran on task $SLURM_ARRAY_TASK_ID",
            "--submit",
            "--wait",
        ],
        &env,
    );
    assert!(out.contains("submitted job array"), "{out}");
    assert!(out.contains("all 4 runs completed"), "{out}");
    let script = std::fs::read_to_string(cluster.join("batch.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-3%2"), "{script}");
    let logs: Vec<String> = std::fs::read_dir(cluster.join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(logs.len(), 4, "one SLURM log per array task");
    for task in 0..4 {
        let line = format!("preamble ran on task {task}");
        assert!(logs.iter().any(|l| l.contains(&line)), "{line}: {logs:?}");
    }
    let out = ansatz(&["collect", cluster.to_str().unwrap()], &env);
    assert!(out.contains("4 of 4 runs completed"), "{out}");
    assert_eq!(
        table_without_times(&cluster),
        local_table,
        "the SLURM array and the local batch disagree"
    );
    // Submitting again submits nothing: every run has completed.
    let out = ansatz(
        &["batch", cluster.to_str().unwrap(), "--slurm", "--submit"],
        &env,
    );
    assert!(out.contains("nothing to submit"), "{out}");
}

/// Must show 3: a run killed inside a sweep is run again (from its checkpoint) by the next
/// `batch`; the completed runs are not.
#[test]
fn killed_run_in_a_sweep_is_rerun_and_completed_runs_are_not() {
    let dir = scratch_with_problem("killed");
    let sweep_dir = sweep(
        &dir,
        "sweep",
        &[
            "--set",
            "training.collocation=2048",
            "--set",
            "training.adam_steps=4000",
        ],
    );
    // One run at a time, in its own process group, so that one kill takes down the batch
    // and the run it is in (as a crashed node would). A run takes ~3 s here: the kill at
    // step 300 lands well before its end.
    let mut batch = Command::new(ANSATZ)
        .args(["batch", sweep_dir.to_str().unwrap(), "--local", "-j", "1"])
        .stdout(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let second = sweep_dir.join("runs/0001");
    let reached = (0..12000).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        metrics_reached(&second, 300)
    });
    assert!(reached, "the second run never reached step 300");
    let group = batch.id();
    assert!(group > 1);
    let killed = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{group}")])
        .status()
        .unwrap();
    assert!(killed.success());
    batch.wait().unwrap();
    assert!(sweep_dir.join("runs/0000/summary.json").exists());
    assert!(!second.join("summary.json").exists());
    let first_done = modified(&sweep_dir.join("runs/0000/summary.json"));

    let out = ansatz(&["collect", sweep_dir.to_str().unwrap()], &[]);
    assert!(out.contains("1 of 4 runs completed"), "{out}");
    assert!(out.contains("incomplete"), "{out}");

    let out = ansatz(
        &["batch", sweep_dir.to_str().unwrap(), "--local", "-j", "2"],
        &[],
    );
    assert!(
        out.contains("3 runs to do (1 completed already)") && out.contains("3 completed, 0 failed"),
        "{out}"
    );
    let log = std::fs::read_to_string(sweep_dir.join("logs/0001.log")).unwrap();
    assert!(log.contains("resuming from"), "{log}");
    assert_eq!(
        modified(&sweep_dir.join("runs/0000/summary.json")),
        first_done,
        "a completed run was run again"
    );
    let out = ansatz(&["batch", sweep_dir.to_str().unwrap(), "--local"], &[]);
    assert!(
        out.contains("all 4 runs completed; nothing to run"),
        "{out}"
    );
}

/// A sweep whose runs do not all resolve to a valid problem writes nothing, and says which
/// runs and why.
#[test]
fn sweep_with_an_invalid_value_names_the_run_and_writes_nothing() {
    let dir = scratch_with_problem("invalid");
    let file = dir.join("heat.toml");
    let out = dir.join("sweep");
    let result = Command::new(ANSATZ)
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            "model.kind=[\"mlp\", \"transformer\"]",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(
        err.contains("1 of 2 runs") && err.contains("run 1 (model.kind=transformer seed=0)"),
        "{err}"
    );
    assert!(!out.join("manifest.json").exists());
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// A run whose process fails is restarted `--retries` times, then recorded as failed (with
/// the reason and its log) while the other runs complete; the next `batch` runs it again.
#[test]
fn failed_run_is_recorded_and_run_again_by_the_next_batch() {
    let dir = scratch_with_problem("failed");
    let sweep_dir = sweep(&dir, "sweep", &["--set", "training.adam_steps=100"]);
    let problem = sweep_dir.join("problems/0002.toml");
    let good = std::fs::read_to_string(&problem).unwrap();
    std::fs::write(&problem, "name = \"broken\"\n[domain\n").unwrap();

    let out = Command::new(ANSATZ)
        .args([
            "batch",
            sweep_dir.to_str().unwrap(),
            "--local",
            "--retries",
            "1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a failed run must fail the batch");
    assert!(stdout.contains("3 completed, 1 failed"), "{stdout}");
    assert!(
        stdout.contains("run 2 (parameters.k=0.1 seed=0): failed: the run's process ended"),
        "{stdout}"
    );
    let log = std::fs::read_to_string(sweep_dir.join("logs/0002.log")).unwrap();
    assert_eq!(
        log.matches("0002.toml").count(),
        2,
        "one error per attempt (a retry):\n{log}"
    );
    let table = ansatz(&["collect", sweep_dir.to_str().unwrap()], &[]);
    assert!(table.contains("3 of 4 runs completed"), "{table}");
    assert!(table.contains("failed"), "{table}");

    std::fs::write(&problem, good).unwrap();
    let out = ansatz(&["batch", sweep_dir.to_str().unwrap(), "--local"], &[]);
    assert!(out.contains("1 completed, 0 failed, 3 skipped"), "{out}");
    assert!(!sweep_dir.join("runs/0002/FAILED").exists());
}

/// A run whose directory another process holds (a second batch, an array task, an `ansatz
/// run`) is left to that process: not retried, not marked failed, and run by the next batch.
#[test]
fn run_held_by_another_process_is_left_to_it() {
    let dir = scratch_with_problem("held");
    let sweep_dir = sweep(&dir, "sweep", &["--set", "training.adam_steps=100"]);
    let held = sweep_dir.join("runs/0001");
    std::fs::create_dir_all(&held).unwrap();
    let holder = std::fs::File::create(held.join(".lock")).unwrap();
    holder.try_lock().unwrap();
    let out = ansatz(
        &[
            "batch",
            sweep_dir.to_str().unwrap(),
            "--local",
            "--retries",
            "2",
        ],
        &[],
    );
    assert!(
        out.contains(
            "3 completed, 0 failed, 0 skipped (completed before), 1 left to another process"
        ),
        "{out}"
    );
    assert!(out.contains("another process is running it"), "{out}");
    assert!(!held.join("FAILED").exists());
    drop(holder);
    let out = ansatz(&["batch", sweep_dir.to_str().unwrap(), "--local"], &[]);
    assert!(out.contains("1 completed, 0 failed, 3 skipped"), "{out}");
}
