//! `nas bench` options as a user passes them: `--batch` reaches the measured step,
//! `--device` and `--batch` are refused where they mean nothing, and a device that this build
//! or machine cannot use is an error before anything is timed.

use crate::nas;

#[test]
fn the_batch_reaches_the_measured_step() {
    let o = nas()
        .args(["bench", "derived", "--json", "--runs", "1", "--batch", "2"])
        .args(["--threads", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let t: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON timing");
    assert_eq!(t["batch"], 2, "{t}");
    assert_eq!(
        t["peak_device_mb"],
        serde_json::Value::Null,
        "on the CPU: {t}"
    );
    let (ips, step_ms) = (
        t["images_per_sec"].as_f64().unwrap(),
        t["step_ms"].as_f64().unwrap(),
    );
    assert!((ips - 2.0 / (step_ms / 1e3)).abs() < 1e-6 * ips, "{t}");
}

#[test]
fn batch_is_for_the_network_configurations() {
    for config in ["ops", "kernels"] {
        let o = nas()
            .args(["bench", config, "--batch", "64"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{config}: {err}");
        assert!(
            err.contains("--device and --batch are for the network configurations"),
            "{config}: {err}"
        );
    }
}

#[test]
fn a_device_that_cannot_be_used_is_refused_before_timing() {
    // a build without the cuda feature refuses any GPU; a CUDA build (which may find one)
    // still refuses a misspelt device
    let device = if cfg!(feature = "cuda") {
        "gpu"
    } else {
        "cuda:0"
    };
    let o = nas()
        .args(["bench", "twopath", "--device", device, "--runs", "1"])
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("nas::run::device"), "{err}");
    assert!(err.contains(device), "{err}");
    assert!(!out.contains("img/s"), "nothing is timed: {out}");
}
