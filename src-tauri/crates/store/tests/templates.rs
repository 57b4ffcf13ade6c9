//! The template repository on a real SQLite file: sources with their cached copy and
//! validators, the user's own templates in the order they were added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use squirrel_core::ports::TemplateRepository;
use squirrel_core::templates::{bundled_catalogue, MyTemplate, SourceLocation, TemplateSource};
use squirrel_core::CoreError;

use common::open;

fn source(uuid: &str, created_at: i64) -> TemplateSource {
    TemplateSource {
        uuid: uuid.into(),
        name: format!("source {uuid}"),
        location: SourceLocation::Url(format!("https://example.org/{uuid}.json")),
        enabled: true,
        body: None,
        etag: None,
        last_modified: None,
        fetched_at: None,
        error: None,
        created_at,
    }
}

#[tokio::test]
async fn sources_keep_their_copy_and_validators() {
    let (_dir, store) = open().await;
    store.insert_source(&source("b", 2)).await.unwrap();
    store.insert_source(&source("a", 1)).await.unwrap();
    let mut a = store.get_source("a").await.unwrap().unwrap();
    assert_eq!(a, source("a", 1));
    a.body = Some(vec![0, 159, 146, 150, b'{']);
    a.etag = Some("\"v1\"".into());
    a.last_modified = Some("Mon, 30 Nov 2026 10:00:00 GMT".into());
    a.fetched_at = Some(123);
    a.error = Some("offline".into());
    a.enabled = false;
    store.update_source(&a).await.unwrap();
    let listed = store.list_sources().await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.uuid.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    // Listing reads no blob; the copy comes whole on its own.
    assert_eq!(
        listed[0],
        TemplateSource {
            body: None,
            ..a.clone()
        }
    );
    assert_eq!(store.get_source("a").await.unwrap().as_ref(), Some(&a));
    assert_eq!(
        store.source_body("a").await.unwrap(),
        a.body.clone(),
        "bytes that are not UTF-8 included"
    );
    assert_eq!(store.source_body("b").await.unwrap(), None);
    store.delete_source("a").await.unwrap();
    assert_eq!(store.get_source("a").await.unwrap(), None);
    assert!(matches!(
        store.update_source(&a).await,
        Err(CoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn my_templates_list_in_the_order_added_and_edits_keep_their_place() {
    let (_dir, store) = open().await;
    let templates = bundled_catalogue().templates;
    for (i, t) in templates.iter().take(3).enumerate() {
        store
            .save_my_template(&MyTemplate {
                uuid: format!("z{}", 9 - i),
                template: t.clone(),
                created_at: 5,
                updated_at: 5,
            })
            .await
            .unwrap();
    }
    let mut first = store.list_my_templates().await.unwrap().remove(0);
    assert_eq!(first.uuid, "z9");
    first.template.title = "Renamed".into();
    first.updated_at = 6;
    store.save_my_template(&first).await.unwrap();
    let listed = store.list_my_templates().await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.uuid.as_str()).collect::<Vec<_>>(),
        ["z9", "z8", "z7"]
    );
    assert_eq!(listed[0].template.title, "Renamed");
    assert_eq!((listed[0].created_at, listed[0].updated_at), (5, 6));
    assert_eq!(listed[1].template, templates[1]);
    store.delete_my_template("z8").await.unwrap();
    assert_eq!(store.list_my_templates().await.unwrap().len(), 2);
}
