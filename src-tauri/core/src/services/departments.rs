//! Departments: list, create, rename/describe, delete (refused while doctors belong to it).

use crate::cache::Change;
use crate::context::Desk;
use crate::db::departments::{self, Department, DepartmentInput};
use crate::error::{Error, Result};

fn clean(input: &DepartmentInput) -> Result<DepartmentInput> {
    let name = super::required_text("name", "Department name", &input.name, 80)?;
    let description = input.description.trim().to_string();
    if description.chars().count() > 1000 {
        return Err(Error::validation(
            "description",
            crate::msg!(departments_description_check),
        ));
    }
    Ok(DepartmentInput { name, description })
}

/// The departments, from the session's cache when it has them.
pub async fn list(desk: &Desk) -> Result<Vec<Department>> {
    let list = desk
        .caches()
        .departments(|| async { departments::list(&mut *desk.acquire().await?).await })
        .await?;
    Ok(list.as_ref().clone())
}

#[tracing::instrument(skip(desk, input))]
pub async fn create(desk: &Desk, input: &DepartmentInput) -> Result<Department> {
    let input = clean(input)?;
    let mut tx = desk.begin().await?;
    let id = departments::insert(&mut *tx, &input).await?;
    let d = departments::get(&mut *tx, id)
        .await?
        .ok_or_else(|| Error::internal("department vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Departments).await;
    Ok(d)
}

#[tracing::instrument(skip(desk, input))]
pub async fn update(desk: &Desk, id: i64, input: &DepartmentInput) -> Result<Department> {
    let input = clean(input)?;
    let mut tx = desk.begin().await?;
    if !departments::update(&mut *tx, id, &input).await? {
        return Err(Error::NotFound(crate::msg!(department_gone)));
    }
    let d = departments::get(&mut *tx, id)
        .await?
        .ok_or_else(|| Error::internal("department vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Departments).await;
    Ok(d)
}

#[tracing::instrument(skip(desk))]
pub async fn delete(desk: &Desk, id: i64) -> Result<()> {
    let mut tx = desk.begin().await?;
    let (name, doctors) = departments::lock_and_count_doctors(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(department_gone)))?;
    if doctors > 0 {
        return Err(Error::Conflict(if doctors == 1 {
            crate::msg!(department_has_doctor, name = name)
        } else {
            crate::msg!(department_has_doctors, name = name, count = doctors)
        }));
    }
    departments::delete(&mut *tx, id).await?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Departments).await;
    Ok(())
}
