//! The catalogue that ships inside Squirrel: about thirty homelab staples, so the app store
//! has something to show before (or without) any remote catalogue.

use super::parse::{parse_catalogue, Catalogue, CatalogueFormat, TemplateProblem};

/// The bundled file, in Portainer v3 format (`catalogue/bundled.json` in this crate).
pub const BUNDLED_JSON: &str = include_str!("../../catalogue/bundled.json");

/// The bundled catalogue, parsed. A test keeps it free of problems; should it ever fail as
/// a whole, the failure is returned as a problem rather than a panic.
pub fn bundled_catalogue() -> Catalogue {
    parse_catalogue(BUNDLED_JSON.as_bytes()).unwrap_or_else(|e| Catalogue {
        format: CatalogueFormat::PortainerV3,
        templates: Vec::new(),
        problems: vec![TemplateProblem {
            index: 0,
            title: None,
            field: "catalogue".into(),
            message: e.to_string(),
        }],
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use super::*;
    use crate::templates::check::check_plan;
    use crate::templates::image_ref::ImageRef;
    use crate::templates::model::{TemplateKind, VolumeSource};
    use crate::templates::plan::DeployPlan;

    #[test]
    fn parses_without_problems() {
        let catalogue = bundled_catalogue();
        assert_eq!(catalogue.problems, vec![]);
        assert_eq!(catalogue.format, CatalogueFormat::PortainerV3);
        assert!(
            catalogue.templates.len() >= 30,
            "{}",
            catalogue.templates.len()
        );
    }

    #[test]
    fn every_template_is_a_container_with_an_id_a_category_and_no_logo() {
        let catalogue = bundled_catalogue();
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for (i, t) in catalogue.templates.iter().enumerate() {
            assert_eq!(t.kind, TemplateKind::Container, "{}", t.title);
            assert_eq!(t.id, Some(i as i64 + 1), "{}: ids run from 1", t.title);
            assert!(
                ids.insert(t.id) && names.insert(t.name.clone()),
                "{}",
                t.title
            );
            assert!(
                !t.categories.is_empty() && !t.description.is_empty(),
                "{}",
                t.title
            );
            assert_eq!(t.platform.as_deref(), Some("linux"));
            assert_eq!(t.logo, None);
            let image = t.image.as_deref().map(ImageRef::parse);
            assert!(matches!(image, Some(Ok(_))), "{}: {image:?}", t.title);
        }
    }

    #[test]
    fn every_template_makes_a_plan_that_passes_the_checks() {
        for t in bundled_catalogue().templates {
            let values: BTreeMap<String, String> = t
                .env
                .iter()
                .filter(|e| e.required())
                .map(|e| (e.name.clone(), "filled-in".to_owned()))
                .collect();
            let plan = DeployPlan::from_template(&t, &values);
            let problems = plan.as_ref().map(check_plan);
            assert_eq!(problems, Ok(vec![]), "{}", t.title);
            // Unnamed template volumes get names, so the data outlives the container.
            for v in plan.map(|p| p.volumes).unwrap_or_default() {
                assert!(!matches!(v.source, VolumeSource::Anonymous), "{}", t.title);
            }
        }
    }
}
