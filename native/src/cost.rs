//! The actual cost of a response, the twin of `CostModel.actual` in
//! `router/operation/cost.py`: the operation's weights, with the lists' real lengths.

use crate::shape::Skeleton;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

const CAP: i64 = 1_000_000_000_000_000_000;

enum Entry {
    Field { key: String, weight: i64, inner: Option<usize> },
    Fragment { inner: usize },
}

/// The operation's selection sets compiled, the root first, referring to each other by index.
#[pyclass(frozen, module = "shopgraph_native")]
pub struct CostProgram {
    sets: Vec<Vec<Entry>>,
}

#[pymethods]
impl CostProgram {
    /// `sets`: per selection set, entries `("f", key, weight, set|None)` and `("g", set)`.
    #[new]
    fn new(sets: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut out = Vec::new();
        for set in sets.try_iter()? {
            let mut entries = Vec::new();
            for entry in set?.try_iter()? {
                let entry = entry?;
                let kind: String = entry.get_item(0)?.extract()?;
                entries.push(if kind == "f" {
                    Entry::Field {
                        key: entry.get_item(1)?.extract()?,
                        weight: entry.get_item(2)?.extract()?,
                        inner: entry.get_item(3)?.extract()?,
                    }
                } else {
                    Entry::Fragment { inner: entry.get_item(1)?.extract()? }
                });
            }
            out.push(entries);
        }
        let count = out.len();
        let valid = out.iter().flatten().all(|e| match e {
            Entry::Field { inner, .. } => inner.is_none_or(|i| i < count),
            Entry::Fragment { inner } => *inner < count,
        });
        if out.is_empty() || !valid {
            return Err(PyValueError::new_err("a cost program needs a root set and valid indexes"));
        }
        Ok(CostProgram { sets: out })
    }
}

impl CostProgram {
    pub(crate) fn run(&self, data: &Skeleton<'_>) -> i64 {
        self.set(0, data)
    }

    fn set(&self, index: usize, obj: &Skeleton<'_>) -> i64 {
        let Skeleton::Object(fields) = obj else { return 0 };
        let mut cost: i64 = 0;
        for entry in &self.sets[index] {
            match entry {
                Entry::Field { key, weight, inner } => {
                    let Some((_, value)) = fields.iter().find(|(k, _)| k == key) else { continue };
                    let mut items = Vec::new();
                    flatten(value, &mut items);
                    for item in items {
                        if matches!(item, Skeleton::Null) {
                            continue;
                        }
                        let inner_cost = inner.map_or(0, |i| self.set(i, item));
                        cost = cost.saturating_add(weight.saturating_add(inner_cost));
                    }
                }
                Entry::Fragment { inner } => cost = cost.saturating_add(self.set(*inner, obj)),
            }
        }
        cost.min(CAP)
    }
}

fn flatten<'a, 'b>(value: &'a Skeleton<'b>, into: &mut Vec<&'a Skeleton<'b>>) {
    match value {
        Skeleton::List(items) => items.iter().for_each(|i| flatten(i, into)),
        other => into.push(other),
    }
}
