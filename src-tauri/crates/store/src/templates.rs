//! The template repository: catalogue sources with their cached copy, and the user's own
//! templates as JSON.

use async_trait::async_trait;
use sqlx::Row;
use squirrel_core::ports::TemplateRepository;
use squirrel_core::templates::{MyTemplate, SourceLocation, TemplateSource};
use squirrel_core::{CoreError, CoreResult};

use crate::{storage, to_json, Store};

const SELECT_SOURCE: &str = "SELECT uuid, name, location, enabled, body, etag, last_modified, \
                             fetched_at, error, created_at FROM template_sources";
/// The same columns without the stored copy (a blob of up to 16 MiB per source).
const LIST_SOURCES: &str = "SELECT uuid, name, location, enabled, NULL AS body, etag, \
                            last_modified, fetched_at, error, created_at FROM template_sources";

fn source_from_row(row: &sqlx::sqlite::SqliteRow) -> CoreResult<TemplateSource> {
    let uuid: String = row.try_get("uuid").map_err(storage)?;
    let location: String = row.try_get("location").map_err(storage)?;
    let location: SourceLocation = serde_json::from_str(&location).map_err(|e| {
        CoreError::Storage(format!(
            "the stored location of template source {uuid} cannot be read ({e}): remove the \
             source and add it again"
        ))
    })?;
    Ok(TemplateSource {
        name: row.try_get("name").map_err(storage)?,
        location,
        enabled: row.try_get("enabled").map_err(storage)?,
        body: row.try_get("body").map_err(storage)?,
        etag: row.try_get("etag").map_err(storage)?,
        last_modified: row.try_get("last_modified").map_err(storage)?,
        fetched_at: row.try_get("fetched_at").map_err(storage)?,
        error: row.try_get("error").map_err(storage)?,
        created_at: row.try_get("created_at").map_err(storage)?,
        uuid,
    })
}

#[async_trait]
impl TemplateRepository for Store {
    /// Every readable source; a row that cannot be read is skipped with a warning.
    async fn list_sources(&self) -> CoreResult<Vec<TemplateSource>> {
        let rows = sqlx::query(&format!("{LIST_SOURCES} ORDER BY created_at, name"))
            .fetch_all(self.pool())
            .await
            .map_err(storage)?;
        Ok(rows
            .iter()
            .filter_map(|row| match source_from_row(row) {
                Ok(s) => Some(s),
                Err(error) => {
                    tracing::warn!(%error, "skipping a template source that cannot be read");
                    None
                }
            })
            .collect())
    }

    async fn get_source(&self, uuid: &str) -> CoreResult<Option<TemplateSource>> {
        let row = sqlx::query(&format!("{SELECT_SOURCE} WHERE uuid = ?"))
            .bind(uuid)
            .fetch_optional(self.pool())
            .await
            .map_err(storage)?;
        row.as_ref().map(source_from_row).transpose()
    }

    async fn source_body(&self, uuid: &str) -> CoreResult<Option<Vec<u8>>> {
        let body: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT body FROM template_sources WHERE uuid = ?")
                .bind(uuid)
                .fetch_optional(self.pool())
                .await
                .map_err(storage)?;
        Ok(body.flatten())
    }

    async fn insert_source(&self, s: &TemplateSource) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO template_sources (uuid, name, location, enabled, body, etag,
                                           last_modified, fetched_at, error, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.uuid)
        .bind(&s.name)
        .bind(to_json(&s.location))
        .bind(s.enabled)
        .bind(&s.body)
        .bind(&s.etag)
        .bind(&s.last_modified)
        .bind(s.fetched_at)
        .bind(&s.error)
        .bind(s.created_at)
        .execute(self.pool())
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn update_source(&self, s: &TemplateSource) -> CoreResult<()> {
        let done = sqlx::query(
            "UPDATE template_sources SET name = ?, location = ?, enabled = ?, body = ?, etag = ?,
                    last_modified = ?, fetched_at = ?, error = ?
             WHERE uuid = ?",
        )
        .bind(&s.name)
        .bind(to_json(&s.location))
        .bind(s.enabled)
        .bind(&s.body)
        .bind(&s.etag)
        .bind(&s.last_modified)
        .bind(s.fetched_at)
        .bind(&s.error)
        .bind(&s.uuid)
        .execute(self.pool())
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(CoreError::not_found("template source"));
        }
        Ok(())
    }

    async fn delete_source(&self, uuid: &str) -> CoreResult<()> {
        sqlx::query("DELETE FROM template_sources WHERE uuid = ?")
            .bind(uuid)
            .execute(self.pool())
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Every readable template of the user, oldest first; one that cannot be read is
    /// skipped with a warning.
    async fn list_my_templates(&self) -> CoreResult<Vec<MyTemplate>> {
        let rows = sqlx::query(
            "SELECT uuid, template, created_at, updated_at FROM my_templates
             ORDER BY created_at, rowid",
        )
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let uuid: String = row.try_get("uuid").ok()?;
                let json: String = row.try_get("template").ok()?;
                match serde_json::from_str(&json) {
                    Ok(template) => Some(MyTemplate {
                        template,
                        created_at: row.try_get("created_at").unwrap_or_default(),
                        updated_at: row.try_get("updated_at").unwrap_or_default(),
                        uuid,
                    }),
                    Err(error) => {
                        tracing::warn!(template = %uuid, %error, "skipping a template that cannot be read");
                        None
                    }
                }
            })
            .collect())
    }

    async fn save_my_template(&self, t: &MyTemplate) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO my_templates (uuid, template, created_at, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (uuid) DO UPDATE SET template = excluded.template,
                                              updated_at = excluded.updated_at",
        )
        .bind(&t.uuid)
        .bind(to_json(&t.template))
        .bind(t.created_at)
        .bind(t.updated_at)
        .execute(self.pool())
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn delete_my_template(&self, uuid: &str) -> CoreResult<()> {
        sqlx::query("DELETE FROM my_templates WHERE uuid = ?")
            .bind(uuid)
            .execute(self.pool())
            .await
            .map_err(storage)?;
        Ok(())
    }
}
