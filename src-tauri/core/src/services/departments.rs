//! Departments: list, create, rename/describe, delete (refused while doctors belong to it).

use sqlx::PgPool;

use crate::db::departments::{self, Department, DepartmentInput};
use crate::error::{Error, Result};

fn clean(input: &DepartmentInput) -> Result<DepartmentInput> {
    let name = super::required_text("name", "Department name", &input.name, 80)?;
    let description = input.description.trim().to_string();
    if description.chars().count() > 1000 {
        return Err(Error::validation(
            "description",
            "Keep the description under 1000 characters.",
        ));
    }
    Ok(DepartmentInput { name, description })
}

pub async fn list(pool: &PgPool) -> Result<Vec<Department>> {
    departments::list(&mut *pool.acquire().await?).await
}

#[tracing::instrument(skip(pool, input))]
pub async fn create(pool: &PgPool, input: &DepartmentInput) -> Result<Department> {
    let input = clean(input)?;
    let mut tx = pool.begin().await?;
    let id = departments::insert(&mut *tx, &input).await?;
    let d = departments::get(&mut *tx, id)
        .await?
        .ok_or_else(|| Error::internal("department vanished"))?;
    tx.commit().await?;
    Ok(d)
}

#[tracing::instrument(skip(pool, input))]
pub async fn update(pool: &PgPool, id: i64, input: &DepartmentInput) -> Result<Department> {
    let input = clean(input)?;
    let mut tx = pool.begin().await?;
    if !departments::update(&mut *tx, id, &input).await? {
        return Err(Error::NotFound("That department no longer exists.".into()));
    }
    let d = departments::get(&mut *tx, id)
        .await?
        .ok_or_else(|| Error::internal("department vanished"))?;
    tx.commit().await?;
    Ok(d)
}

#[tracing::instrument(skip(pool))]
pub async fn delete(pool: &PgPool, id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    let (name, doctors) = departments::lock_and_count_doctors(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound("That department no longer exists.".into()))?;
    if doctors > 0 {
        let noun = if doctors == 1 { "doctor" } else { "doctors" };
        return Err(Error::Conflict(format!(
            "{name} still has {doctors} {noun}. Move them to another department first."
        )));
    }
    departments::delete(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(())
}
