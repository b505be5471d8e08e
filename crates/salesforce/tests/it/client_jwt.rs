//! The JWT bearer flow's assertion (reference §1): RS256, `iss` = consumer
//! key, `sub` = username, `aud` = login server, `exp` at most 3 minutes
//! ahead. Checked by verifying the signature with the matching public key.
//!
//! The key pair below is a throwaway generated for this test only
//! (`openssl genrsa 2048`); it is registered nowhere.

use deskshift_salesforce::client::auth::JwtClaims;
use deskshift_salesforce::client::{ApiError, Auth};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};

const TEST_PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
MIIEogIBAAKCAQEAtEjhrAXoGGJjyPIK+yMCrHwUM9yl+zukpyE13dI/NdkuWljY\n\
1vwMdbZhrXE/399hXPN22RnZz9UGYdhQE+xRn6LC4Z0ZQh9XMbACy9OTd72g/hox\n\
d8lS8yT3/f/ZU88m1TCEYVpnAUN3OHUzQgMCCp743/S+udWqIvXd/kMkMx5iKK5u\n\
ZTT0jJhLHEHisxARLTQL3g5m7PxVkjJJvSPzA3MjiLQfKGIFTsf/WPEaqOYpGjBY\n\
h8JDyAGiZHv3a3WnQmVLANtJlfk2mvwTIcFzZkx/AXUvRgFGmy4PPDfEhgeSO0fx\n\
u7nexZb+Td91HAYA8IbSX6+R+74/XKTIwzPjXQIDAQABAoIBACL972FcbyFGfZAr\n\
3JJEiBkS5zfuuH+kIq/2u/YPQAoTWpIaIxJNLxzs1pYbwFZTTNpF/hgi0poqgnfc\n\
zKQlTu1xYap5O8UQALRJ8az+pqWL1pLjYh0aJCHB1+mCrnu8HhEsftFHgu0lm18H\n\
rnh+TXfixbLwVdGLhV+OQbV/cigChkNfwNp82MUdJt3GZthzNwbOtk6TyLqbucIB\n\
UKC+Mkd95OjQrkl3hXKdKCnZ00PkfzagbTQ+cbe7a5IuYA9EX/Zn7+M/iYiBJo3T\n\
AYtHPaGOcDyie+hQV6pIS4Mu9nFrk5NVXgHcsqx5YXVgICKg1WlXSG9a5JZe885u\n\
B5UZr1ECgYEA9nQkXWtx8FlopsedRoW5XmGnxQrcLrfXxQh5GYb9/FDwkj3XSbQc\n\
8DzUpd3mjou2LbKrXe8Eh5Gdg2nFQ0DJstdTEpuUYO4xuZm6sklK2+tqPI/QQya3\n\
It2delJ49eonl9frUNPEZHoov7Q4qhNzSCWZOJSAtO203D1X3xlMk/ECgYEAu0Sa\n\
AERG7E/Yop3NsEfDGCBBhgxQssX8dmFhbctGpE4hk0Fm4cIEoejwHm1zpluxDdoS\n\
As81IT5QDMYd96OkRv9EOdnZi/tuiGvp6TWgxXXmwbcl2Yunn1poY/A4n55TJU1k\n\
Hk7M8H4dhymEJaNOzYnX/uF4abNqkGlrp272Ai0CgYA+BrD4SghdA0ORZf+xNgqX\n\
NGCy+K69m0tUrXM893qIvB4v0ByU0h3OYKDsNdLG4WayTZtPgs5TCFTqM/6PlIiu\n\
1/5yWnGXi5s8KPKR2FxcyPztzQwPOnkw7zGpDYSf75STZKY2q3VsDEqhJMx2EXsc\n\
F0pesRFLd9/i5hVtcsKRIQKBgGwFDzv2Jl7rU8/BbMMxMcT53jHfarEkaRMz6so1\n\
RiNCejWBtUGl85wdTFyQz/P20fNmhZsfQMtTMUOdB+4vc3QMjKM+GTGYr9J7ROrj\n\
p0AfWSMGbQvGdcMCmFKFX3QbFGTg9k5RL//ND2VGulYnlC4VRAVes2FtP5vbY2Cq\n\
LbdlAoGAdjI88GdjnEamOjfsg2D/CXRESgQ7PqAFA31Zoq6RZtwJQ28OYc0cqbg1\n\
nrZLe4+cEdw0+cKlR6qa81FTsrhqZ1q08Q5iQZQ6cdy7/+0xWFL9r9KDXsvDdUB/\n\
XHk8qOeHva7B0xhv4O6pj7gVOtg6F19G5wcVr9LuDZGaDMH8N1s=\n\
-----END RSA PRIVATE KEY-----";

const TEST_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtEjhrAXoGGJjyPIK+yMC\n\
rHwUM9yl+zukpyE13dI/NdkuWljY1vwMdbZhrXE/399hXPN22RnZz9UGYdhQE+xR\n\
n6LC4Z0ZQh9XMbACy9OTd72g/hoxd8lS8yT3/f/ZU88m1TCEYVpnAUN3OHUzQgMC\n\
Cp743/S+udWqIvXd/kMkMx5iKK5uZTT0jJhLHEHisxARLTQL3g5m7PxVkjJJvSPz\n\
A3MjiLQfKGIFTsf/WPEaqOYpGjBYh8JDyAGiZHv3a3WnQmVLANtJlfk2mvwTIcFz\n\
Zkx/AXUvRgFGmy4PPDfEhgeSO0fxu7nexZb+Td91HAYA8IbSX6+R+74/XKTIwzPj\n\
XQIDAQAB\n\
-----END PUBLIC KEY-----";

fn auth(audience: Option<&str>) -> Auth {
    Auth::JwtBearer {
        consumer_key: "3MVG9-consumer-key".into(),
        username: "integration@acme.example".into(),
        private_key_pem: TEST_PRIVATE_KEY.into(),
        audience: audience.map(String::from),
    }
}

fn verify(assertion: &str, audience: &str) -> JwtClaims {
    assert_eq!(decode_header(assertion).unwrap().alg, Algorithm::RS256);
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    // The assertions here are made "now", so exp is checked for real.
    validation.leeway = 0;
    let key = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()).unwrap();
    decode::<JwtClaims>(assertion, &key, &validation)
        .unwrap()
        .claims
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn assertion_is_rs256_with_the_documented_claims() {
    let now = now();
    let assertion = auth(None)
        .jwt_assertion("https://acme.my.salesforce.com", now)
        .unwrap();
    let claims = verify(&assertion, "https://login.salesforce.com");
    assert_eq!(claims.iss, "3MVG9-consumer-key");
    assert_eq!(claims.sub, "integration@acme.example");
    assert_eq!(claims.aud, "https://login.salesforce.com");
    assert!(
        claims.exp > now && claims.exp <= now + 180,
        "exp {}",
        claims.exp
    );
}

#[test]
fn sandbox_and_configured_audiences() {
    let now = now();
    let sandbox = auth(None)
        .jwt_assertion("https://test.salesforce.com", now)
        .unwrap();
    assert_eq!(
        verify(&sandbox, "https://test.salesforce.com").aud,
        "https://test.salesforce.com"
    );
    let site = auth(Some("https://help.acme.example"))
        .jwt_assertion("https://login.salesforce.com", now)
        .unwrap();
    assert_eq!(
        verify(&site, "https://help.acme.example").aud,
        "https://help.acme.example"
    );
}

#[test]
fn the_token_form_carries_the_grant_and_the_assertion() {
    let form = auth(None)
        .token_form("https://login.salesforce.com")
        .unwrap()
        .unwrap();
    assert_eq!(
        form[0],
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:jwt-bearer".to_string()
        )
    );
    assert_eq!(form[1].0, "assertion");
    verify(&form[1].1, "https://login.salesforce.com");
    // No secret goes along: the signature proves the app.
    assert!(form.iter().all(|(k, _)| *k != "client_secret"));
}

#[test]
fn a_bad_key_is_a_configuration_error_without_the_key() {
    let bad = Auth::JwtBearer {
        consumer_key: "k".into(),
        username: "u".into(),
        private_key_pem:
            "-----BEGIN RSA PRIVATE KEY-----\nSECRETSTUFF\n-----END RSA PRIVATE KEY-----".into(),
        audience: None,
    };
    let error = bad
        .jwt_assertion("https://login.salesforce.com", 0)
        .unwrap_err();
    assert!(
        matches!(&error, ApiError::Config(m) if !m.contains("SECRETSTUFF")),
        "{error}"
    );
}
