import "../../../Cargo.toml" as cargo
