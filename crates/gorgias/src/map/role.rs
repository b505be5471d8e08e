//! Agent role → Gorgias `role.name`. Gorgias has no role endpoint (the seed's
//! `GET /api/roles` does not exist): a role is just a name on the user.
//! Only used when deskshift is told to create unmatched users.

use super::Mapped;

pub fn role(stames: &str) -> Mapped<&'static str> {
    match stames.trim().to_ascii_lowercase().as_str() {
        "owner" | "admin" => Mapped::exact("admin"),
        "agent" => Mapped::exact("agent"),
        "light_agent" | "light-agent" => Mapped::exact("lite-agent"),
        _ => Mapped::unrecognised(
            "basic-agent",
            format!("unknown Stames role `{stames}` became `basic-agent`; review its permissions"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_to_gorgias_names() {
        assert_eq!(role("owner").value, "admin");
        assert_eq!(role("admin").value, "admin");
        assert_eq!(role("agent").value, "agent");
        assert_eq!(role("light_agent").value, "lite-agent");
        assert!(role("owner").note.is_none());
    }

    #[test]
    fn unknown_roles_get_the_least_surprising_role_and_a_flag() {
        let mapped = role("supervisor");
        assert_eq!(mapped.value, "basic-agent");
        assert!(!mapped.recognised);
        assert!(mapped.note.unwrap().contains("supervisor"));
    }
}
