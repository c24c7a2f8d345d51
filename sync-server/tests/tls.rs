//! HTTPS: the server presents the certificate it is given, and a client that trusts it
//! syncs as over plain HTTP.

use std::sync::Arc;

use ccs_sync_server::{Config, TlsFiles};

#[test]
fn serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let tls = TlsFiles { cert: dir.path().join("cert.pem"), key: dir.path().join("key.pem") };
    std::fs::write(&tls.cert, certified.cert.pem()).unwrap();
    std::fs::write(&tls.key, certified.signing_key.serialize_pem()).unwrap();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = Config::new(dir.path().join("data"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let files = tls.clone();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(ccs_sync_server::serve_tls(listener, config, &files, async move {
            let _ = stopped.await;
        }))
    });

    let root = ureq::tls::Certificate::from_der(certified.cert.der()).to_owned();
    let tls_config =
        ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root]))).build();
    let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls_config).build().into();
    let mut body = None;
    for _ in 0..100 {
        if let Ok(mut resp) = agent.get(format!("https://localhost:{port}/healthz")).call() {
            body = Some(resp.body_mut().read_to_string().unwrap());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(body.as_deref(), Some("ok"));
    // Plain HTTP to the TLS port gets nowhere.
    assert!(ureq::get(format!("http://localhost:{port}/healthz")).call().is_err());

    stop.send(()).unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn bad_certificate_files_are_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles { cert: dir.path().join("missing.pem"), key: dir.path().join("key.pem") };
    let err = ccs_sync_server::tls_config(&files).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");

    std::fs::write(&files.cert, "").unwrap();
    let err = ccs_sync_server::tls_config(&files).unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");

    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, "not a key").unwrap();
    let err = ccs_sync_server::tls_config(&files).unwrap_err();
    assert!(err.to_string().contains("key.pem"), "{err}");
}
