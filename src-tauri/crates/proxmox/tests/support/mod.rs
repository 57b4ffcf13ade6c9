pub mod fake_pve;
