//! `ansatz batch --slurm`: the runs of a sweep as one SLURM job array, one array task per
//! run (`ansatz run --manifest DIR --index $SLURM_ARRAY_TASK_ID`). Submitting again submits
//! only the runs that have neither completed nor are still queued or running.

use super::error::{io_err, BatchError};
use super::local::file_stem;
use super::manifest::Manifest;
use super::status::outcome;
use super::status::Status;
use crate::app::output::write_atomic;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The job ids submitted for a sweep, one per line.
const JOBS: &str = "slurm-jobs.txt";
/// The array script, rewritten by every `batch --slurm`.
const SCRIPT: &str = "batch.sbatch";

/// How `ansatz batch --slurm` submits a sweep as a job array.
#[derive(Clone, Debug, Default)]
pub struct SlurmOptions {
    /// The `ansatz` executable the array tasks run (it must be reachable from the nodes).
    pub exe: PathBuf,
    /// The partition to run on (the cluster's default if none).
    pub partition: Option<String>,
    /// The account the runs are charged to.
    pub account: Option<String>,
    /// Wall-clock limit per run, in SLURM's syntax (e.g. 2:00:00).
    pub time: Option<String>,
    /// CPUs per run (default: the sweep's threads per run).
    pub cpus_per_task: Option<usize>,
    /// Memory per run, in SLURM's syntax (e.g. 4G).
    pub mem: Option<String>,
    /// At most this many runs at once (the array's `%N`), to leave room on a shared cluster.
    pub throttle: Option<usize>,
    /// Shell lines each run executes before `ansatz` (`module load hdf5`, say).
    pub preamble: Vec<String>,
    /// Submit with sbatch (otherwise only write the script).
    pub submit: bool,
    /// After submitting, wait for the array to finish, reporting runs as they end.
    pub wait: bool,
}

/// Writes `batch.sbatch` for the runs still to do and, with `submit`, submits it; returns
/// the job id if one was submitted.
pub fn slurm(dir: &Path, opts: &SlurmOptions) -> Result<Option<String>, BatchError> {
    let dir = &std::fs::canonicalize(dir).map_err(|e| io_err(dir, e))?;
    let manifest = Manifest::load(dir)?;
    let queued = queued_runs(dir);
    let completed: Vec<bool> = manifest
        .runs
        .iter()
        .map(|e| Status::of(dir, e) == Status::Completed)
        .collect();
    let todo: Vec<usize> = (0..manifest.runs.len())
        .filter(|i| !completed[*i] && !queued.contains(i))
        .collect();
    let completed = completed.iter().filter(|&&c| c).count();
    if todo.is_empty() {
        println!(
            "{}: nothing to submit ({completed} of {} runs completed, {} queued or running)",
            dir.display(),
            manifest.runs.len(),
            queued.len()
        );
        return Ok(None);
    }
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| io_err(&logs, e))?;
    let script = dir.join(SCRIPT);
    write_atomic(
        &script,
        array_script(dir, &manifest, &todo, opts).as_bytes(),
    )
    .map_err(|e| io_err(&script, e))?;
    if !opts.submit {
        println!(
            "wrote {} ({} runs); submit it with: sbatch {0}   (or run this again with --submit)",
            script.display(),
            todo.len()
        );
        return Ok(None);
    }
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(&script)
        .output()
        .map_err(|e| {
            BatchError::Usage(format!("cannot start sbatch ({e}); is SLURM installed?"))
        })?;
    if !out.status.success() {
        return Err(BatchError::Usage(format!(
            "sbatch {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let job = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    let jobs = dir.join(JOBS);
    let previous = std::fs::read_to_string(&jobs).unwrap_or_default();
    write_atomic(&jobs, format!("{previous}{job}\n").as_bytes()).map_err(|e| io_err(&jobs, e))?;
    println!(
        "submitted job array {job}: {} runs ({}), logs in {}",
        todo.len(),
        array_spec(&todo),
        logs.display()
    );
    if opts.wait {
        wait(dir, &manifest, &job, &todo)?;
    }
    Ok(Some(job))
}

/// The sbatch script: one array task per run in `todo`, each with the sweep's thread count.
fn array_script(dir: &Path, manifest: &Manifest, todo: &[usize], opts: &SlurmOptions) -> String {
    let width = file_stem(&manifest.runs[0].out).len();
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!(
            "# Runs {} of the {} in the sweep {} (from {}); written by `ansatz batch --slurm`.",
            array_spec(todo),
            manifest.runs.len(),
            dir.display(),
            manifest.source
        ),
        format!("#SBATCH --job-name=ansatz-{}", manifest.name),
        format!(
            "#SBATCH --array={}{}",
            array_spec(todo),
            opts.throttle.map_or(String::new(), |n| format!("%{n}"))
        ),
        format!(
            "#SBATCH --output={}",
            dir.join("logs")
                .join(format!("%{width}a.slurm-%A.log"))
                .display()
        ),
        "#SBATCH --ntasks=1".into(),
        format!(
            "#SBATCH --cpus-per-task={}",
            opts.cpus_per_task.unwrap_or(manifest.threads)
        ),
    ];
    for (flag, value) in [
        ("partition", &opts.partition),
        ("account", &opts.account),
        ("time", &opts.time),
        ("mem", &opts.mem),
    ] {
        if let Some(v) = value {
            lines.push(format!("#SBATCH --{flag}={v}"));
        }
    }
    lines.extend(opts.preamble.iter().cloned());
    lines.push(format!(
        "exec {} run --manifest {} --index \"$SLURM_ARRAY_TASK_ID\"",
        shell_quote(&opts.exe.display().to_string()),
        shell_quote(&dir.display().to_string())
    ));
    lines.join("\n") + "\n"
}

/// Indices as SLURM writes arrays: `0-3,5,7-9`.
fn array_spec(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}-{}", indices[i], indices[j])
        } else {
            indices[i].to_string()
        });
        i = j + 1;
    }
    parts.join(",")
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Array tasks of this sweep's earlier jobs still pending or running (none if squeue is
/// unavailable or has forgotten the jobs).
fn queued_runs(dir: &Path) -> BTreeSet<usize> {
    std::fs::read_to_string(dir.join(JOBS))
        .unwrap_or_default()
        .lines()
        .filter(|j| !j.trim().is_empty())
        .flat_map(|job| {
            Command::new("squeue")
                .args(["-h", "-r", "-o", "%K", "-j", job.trim()])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().parse::<usize>().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Polls squeue until job `job` has left the queue, printing each run as it ends.
fn wait(dir: &Path, manifest: &Manifest, job: &str, todo: &[usize]) -> Result<(), BatchError> {
    let mut reported = BTreeSet::new();
    loop {
        let in_queue = Command::new("squeue")
            .args(["-h", "-o", "%i", "-j", job])
            .output()
            .map(|o| o.status.success() && !o.stdout.iter().all(u8::is_ascii_whitespace))
            .unwrap_or(false);
        for &i in todo {
            let entry = &manifest.runs[i];
            let done = matches!(
                Status::of(dir, entry),
                Status::Completed | Status::Failed(_)
            );
            if (done || !in_queue) && reported.insert(i) {
                println!(
                    "[{}/{}] run {i} ({}): {}",
                    reported.len(),
                    todo.len(),
                    entry.name,
                    outcome(dir, entry)
                );
            }
        }
        if !in_queue {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let missing = todo
        .iter()
        .filter(|&&i| Status::of(dir, &manifest.runs[i]) != Status::Completed)
        .count();
    if missing > 0 {
        return Err(BatchError::Usage(format!(
            "job {job}: {missing} of {} runs did not complete; see {}",
            todo.len(),
            dir.join("logs").display()
        )));
    }
    println!("job {job}: all {} runs completed", todo.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_specs_join_consecutive_runs() {
        assert_eq!(array_spec(&[0, 1, 2, 3]), "0-3");
        assert_eq!(array_spec(&[0, 2, 3, 4, 7, 9, 10]), "0,2-4,7,9-10");
        assert_eq!(array_spec(&[5]), "5");
    }

    #[test]
    fn script_carries_account_throttle_and_preamble_before_the_run() {
        let runs = (0..4)
            .map(|index| super::super::manifest::Entry {
                index,
                name: format!("seed={index}"),
                values: Vec::new(),
                seed: index as u64,
                problem: format!("problems/{index:04}.toml"),
                out: format!("runs/{index:04}"),
            })
            .collect();
        let manifest = Manifest {
            name: "heat".into(),
            source: "heat.toml".into(),
            sets: Vec::new(),
            vary: Vec::new(),
            seeds: (0..4).collect(),
            threads: 2,
            runs,
        };
        let opts = SlurmOptions {
            exe: PathBuf::from("/opt/ansatz"),
            account: Some("phys".into()),
            throttle: Some(2),
            preamble: vec!["module load hdf5".into(), "export OMP_NUM_THREADS=1".into()],
            ..Default::default()
        };
        let script = array_script(Path::new("/sweeps/heat"), &manifest, &[0, 1, 3], &opts);
        let lines: Vec<&str> = script.lines().collect();
        assert!(lines.contains(&"#SBATCH --array=0-1,3%2"), "{script}");
        assert!(lines.contains(&"#SBATCH --account=phys"), "{script}");
        let at = |l: &str| lines.iter().position(|x| x.starts_with(l)).unwrap();
        assert!(at("#SBATCH --account") < at("module load hdf5"));
        assert!(at("module load hdf5") < at("export OMP_NUM_THREADS=1"));
        assert!(at("export OMP_NUM_THREADS=1") < at("exec /opt/ansatz run"));
    }

    #[test]
    fn paths_with_spaces_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("/tmp/a-b/c.1"), "/tmp/a-b/c.1");
        assert_eq!(shell_quote("/tmp/my runs/it's"), r"'/tmp/my runs/it'\''s'");
    }
}
