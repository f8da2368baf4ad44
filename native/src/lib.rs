//! The router's data path, compiled: the response tree of one operation, the representations
//! built from it, subgraph answers merged into it, and the client's response shaped out of it.
//!
//! Every function here has a pure-Python twin in `router/execution/` (`entities.py`,
//! `response.py`, `operation/cost.py`) that stays the reference:
//! `tests/differential/test_data_paths.py` runs both on the same corpus and requires
//! byte-identical responses. The Python side compiles
//! what depends on the schema and the operation (shapes, fetch programs) once per plan, in
//! plain tuples; this side only walks JSON.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::Value;
use value::{Obj, V};
use std::collections::{HashMap, HashSet};

mod cost;
mod shape;
mod value;

// The data path allocates a great deal of small strings, maps and vectors, and frees them at
// the end of each operation: mimalloc does that in about half the time glibc's malloc does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub(crate) type Object = Obj;

/// One step of a path into the response tree: the n-th entry of an object (entries are only
/// ever added or replaced while a plan runs, so positions hold), or the n-th item of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Entry(usize),
    Index(usize),
}

/// One step of a response path as the client sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

pub(crate) fn path_json(path: &[PathStep<'_>]) -> Value {
    Value::Array(
        path.iter()
            .map(|s| match s {
                PathStep::Key(k) => Value::String((*k).to_string()),
                PathStep::Index(i) => Value::from(*i),
            })
            .collect(),
    )
}

/// What the data path needs of the supergraph: which object types each abstract type holds.
#[pyclass(frozen, module = "shopgraph_native")]
pub struct Schema {
    subtypes: HashMap<String, HashSet<String>>,
    abstract_types: HashSet<String>,
}

#[pymethods]
impl Schema {
    /// `subtypes`: abstract type name -> names of the object types it holds;
    /// `abstract_types`: the supergraph's interfaces and unions.
    #[new]
    fn new(subtypes: HashMap<String, HashSet<String>>, abstract_types: HashSet<String>) -> Self {
        Schema { subtypes, abstract_types }
    }
}

impl Schema {
    /// Does a `... on condition` fragment apply to an object of `runtime`?
    pub(crate) fn type_matches(&self, runtime: &str, condition: Option<&str>) -> bool {
        match condition {
            None => true,
            Some(c) if c == runtime => true,
            Some(c) => self.subtypes.get(c).is_some_and(|s| s.contains(runtime)),
        }
    }
}

/// A planner-added alias to put back under the client's key.
struct Rewrite {
    path: Vec<String>,
    type_condition: Option<String>,
    alias: String,
    key: String,
}

/// A selection a representation is built from.
enum Required {
    Field { key: String, name: String, selections: Vec<Required> },
    Fragment { condition: Option<String>, selections: Vec<Required> },
}

/// One fetch of a plan, compiled: where its entities are and what to send for each.
#[pyclass(frozen, module = "shopgraph_native")]
pub struct Fetch {
    path: Vec<String>,
    requires: Vec<Required>,
    typename_for: HashMap<String, String>,
    rewrites: Vec<Rewrite>,
}

fn required_of(value: &Bound<'_, PyAny>) -> PyResult<Vec<Required>> {
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let kind: String = item.get_item(0)?.extract()?;
        if kind == "f" {
            let key: String = item.get_item(1)?.extract()?;
            let name: String = item.get_item(2)?.extract()?;
            let selections = required_of(&item.get_item(3)?)?;
            out.push(Required::Field { key, name, selections });
        } else {
            let condition: Option<String> = item.get_item(1)?.extract()?;
            let selections = required_of(&item.get_item(2)?)?;
            out.push(Required::Fragment { condition, selections });
        }
    }
    Ok(out)
}

#[pymethods]
impl Fetch {
    /// `requires`: `("f", key, name, [...])` and `("i", type_condition, [...])` tuples;
    /// `rewrites`: `(path, type_condition, alias, key)` tuples.
    #[new]
    fn new(
        path: Vec<String>,
        requires: &Bound<'_, PyAny>,
        typename_for: HashMap<String, String>,
        rewrites: Vec<(Vec<String>, Option<String>, String, String)>,
    ) -> PyResult<Self> {
        Ok(Fetch {
            path,
            requires: required_of(requires)?,
            typename_for,
            rewrites: rewrites
                .into_iter()
                .map(|(path, type_condition, alias, key)| Rewrite { path, type_condition, alias, key })
                .collect(),
        })
    }
}

/// The entities one `_entities` call answers: for each representation, the objects of the
/// response tree it stands for.
struct Batch {
    targets: Vec<Vec<Vec<Step>>>,
}

/// The response tree of one operation while its plan runs.
#[pyclass(module = "shopgraph_native")]
pub struct Tree {
    schema: Py<Schema>,
    data: V,
    batches: Vec<Batch>,
}

/// A subgraph's answer, parsed once: identical requests in flight share one subgraph call
/// (the client's deduplication), and with it this parse; each merges from it by copying
/// what its own tree takes.
#[pyclass(frozen, module = "shopgraph_native")]
pub struct Answer {
    data: Option<V>,
    /// The answer's `errors` as JSON, when it has a list of them.
    errors: Option<Vec<u8>>,
}

#[pymethods]
impl Answer {
    /// Raises ValueError when the payload is not a GraphQL response.
    #[new]
    fn new(payload: &[u8]) -> PyResult<Self> {
        let mut response = match serde_json::from_slice::<V>(payload) {
            Ok(V::Obj(map)) if map.contains_key("data") || map.contains_key("errors") => map,
            _ => return Err(PyValueError::new_err("not a GraphQL response")),
        };
        let errors = match response.take("errors") {
            Some(errors @ V::Arr(_)) => {
                Some(serde_json::to_vec(&errors).unwrap_or_else(|_| b"[]".to_vec()))
            }
            _ => None,
        };
        Ok(Answer { data: response.take("data"), errors })
    }

    /// The answer's `errors` as JSON; None when it has none.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.errors.as_ref().map(|e| PyBytes::new(py, e))
    }
}

#[pymethods]
impl Tree {
    #[new]
    fn new(schema: Py<Schema>) -> Self {
        Tree { schema, data: V::Obj(Object::new()), batches: Vec::new() }
    }

    /// Merge a root fetch's answer.
    fn merge_root(&mut self, fetch: &Fetch, answer: &Answer) {
        let schema = self.schema.get();
        let (Some(V::Obj(data)), V::Obj(target)) = (&answer.data, &mut self.data) else { return };
        if fetch.rewrites.is_empty() {
            deep_merge(target, data, schema);
        } else {
            let mut data = data.clone();
            undo_aliases(&mut data, &fetch.rewrites, schema);
            deep_merge(target, &data, schema);
        }
    }

    /// The representations of the objects at the fetch's path, deduplicated, as a JSON array;
    /// None when there is none. The batch they belong to is the last one: `merge_entities`
    /// and `targets` refer to it by the index this returns beside the JSON.
    fn representations<'py>(
        &mut self,
        py: Python<'py>,
        fetch: &Fetch,
    ) -> Option<(usize, Bound<'py, PyBytes>)> {
        let schema = self.schema.get();
        let mut found: Vec<(Vec<Step>, &Object)> = Vec::new();
        let mut path = Vec::new();
        objects_at(&self.data, &fetch.path, &mut path, &mut found);
        let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut out: Vec<u8> = Vec::with_capacity(64 * found.len() + 2);
        out.push(b'[');
        let mut targets: Vec<Vec<Vec<Step>>> = Vec::new();
        for (obj_path, obj) in found {
            let Some(V::Str(typename)) = obj.get("__typename") else { continue };
            let Some((condition, selections)) = fetch.requires.iter().find_map(|r| match r {
                Required::Fragment { condition, selections }
                    if schema.type_matches(typename, condition.as_deref()) =>
                {
                    Some((condition, selections))
                }
                _ => None,
            }) else {
                continue;
            };
            let condition = condition.as_deref().unwrap_or(typename);
            let sent_as = fetch.typename_for.get(condition).unwrap_or(typename);
            let mut key = Vec::with_capacity(64);
            match write_representation(obj, selections, schema, Some(sent_as), &mut key) {
                Written::Done => {}
                Written::Missing => continue,
                Written::Repeated => {
                    // A field named twice: build it as an object, the later value winning.
                    let Some(mut representation) = build_representation(obj, selections, schema)
                    else {
                        continue;
                    };
                    representation.insert("__typename".to_string(), V::Str(sent_as.clone()));
                    key = serde_json::to_vec(&representation).unwrap_or_default();
                }
            }
            match seen.get(&key) {
                Some(&i) => targets[i].push(obj_path),
                None => {
                    if !targets.is_empty() {
                        out.push(b',');
                    }
                    out.extend_from_slice(&key);
                    seen.insert(key, targets.len());
                    targets.push(vec![obj_path]);
                }
            }
        }
        if targets.is_empty() {
            return None;
        }
        out.push(b']');
        self.batches.push(Batch { targets });
        Some((self.batches.len() - 1, PyBytes::new(py, &out)))
    }

    /// Merge an `_entities` answer into the objects of `batch`.
    fn merge_entities(&mut self, fetch: &Fetch, batch: usize, answer: &Answer) -> PyResult<()> {
        let schema = self.schema.get();
        let Some(batch) = self.batches.get(batch) else {
            return Err(PyValueError::new_err("no such batch"));
        };
        let Some(V::Obj(data)) = &answer.data else { return Ok(()) };
        let Some(V::Arr(entities)) = data.get("_entities") else { return Ok(()) };
        for (entity, receivers) in entities.iter().zip(batch.targets.iter()) {
            let V::Obj(entity) = entity else { continue };
            if fetch.rewrites.is_empty() {
                for path in receivers {
                    if let Some(V::Obj(target)) = value_at_mut(&mut self.data, path) {
                        deep_merge(target, entity, schema);
                    }
                }
                continue;
            }
            let mut entity = entity.clone();
            undo_aliases(&mut entity, &fetch.rewrites, schema);
            for path in receivers {
                if let Some(V::Obj(target)) = value_at_mut(&mut self.data, path) {
                    deep_merge(target, &entity, schema);
                }
            }
        }
        Ok(())
    }

    /// The response paths of the objects representation `index` of `batch` stands for.
    fn targets(&self, py: Python<'_>, batch: usize, index: usize) -> PyResult<Vec<Vec<Py<PyAny>>>> {
        let Some(receivers) = self.batches.get(batch).and_then(|b| b.targets.get(index)) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(receivers.len());
        for path in receivers {
            let mut steps = Vec::with_capacity(path.len());
            let mut value = &self.data;
            for step in path {
                match (step, value) {
                    (Step::Entry(i), V::Obj(map)) => {
                        let Some((key, next)) = map.entry_at(*i) else { break };
                        steps.push(key.into_pyobject(py)?.into_any().unbind());
                        value = next;
                    }
                    (Step::Index(i), V::Arr(items)) => {
                        let Some(next) = items.get(*i) else { break };
                        steps.push(i.into_pyobject(py)?.into_any().unbind());
                        value = next;
                    }
                    _ => break,
                }
            }
            out.push(steps);
        }
        Ok(out)
    }

    /// The client's `data` shaped out of the tree, as JSON (None when a null reached the
    /// root), the errors shaping found as JSON, and the actual cost when a cost program is
    /// given. `error_paths` is the JSON list of the paths of the errors so far (null for an
    /// error without one).
    fn shape<'py>(
        &self,
        py: Python<'py>,
        program: &shape::Program,
        error_paths: &[u8],
        cost_program: Option<&cost::CostProgram>,
    ) -> PyResult<(Option<Bound<'py, PyBytes>>, Bound<'py, PyBytes>, i64)> {
        let known: Vec<Value> = serde_json::from_slice(error_paths)
            .map_err(|e| PyValueError::new_err(format!("error paths: {e}")))?;
        let (data, errors, skeleton) = program.run(&self.data, known, cost_program.is_some());
        let cost = match (cost_program, &skeleton) {
            (Some(c), Some(s)) => c.run(s),
            _ => 0,
        };
        let data = data.map(|d| PyBytes::new(py, &d));
        let errors = PyBytes::new(py, &serde_json::to_vec(&errors).unwrap_or_default());
        Ok((data, errors, cost))
    }

    /// The tree as JSON (for tests and for the paths that read it in Python).
    fn data_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &serde_json::to_vec(&self.data).unwrap_or_default())
    }
}

fn value_at_mut<'a>(mut value: &'a mut V, path: &[Step]) -> Option<&'a mut V> {
    for step in path {
        value = match (step, value) {
            (Step::Entry(i), V::Obj(map)) => map.value_at_mut(*i)?,
            (Step::Index(i), V::Arr(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Every object at `path` (`@` steps into list items), with its response path.
fn objects_at<'a>(
    value: &'a V,
    path: &[String],
    current: &mut Vec<Step>,
    found: &mut Vec<(Vec<Step>, &'a Object)>,
) {
    let Some((step, rest)) = path.split_first() else {
        flatten_objects(value, current, found);
        return;
    };
    if step == "@" {
        if let V::Arr(items) = value {
            for (i, item) in items.iter().enumerate() {
                current.push(Step::Index(i));
                objects_at(item, rest, current, found);
                current.pop();
            }
        }
    } else if let V::Obj(map) = value {
        match map.position(step).map(|i| (i, map.entry_at(i))) {
            None | Some((_, None)) | Some((_, Some((_, V::Null)))) => {}
            Some((i, Some((_, next)))) => {
                current.push(Step::Entry(i));
                objects_at(next, rest, current, found);
                current.pop();
            }
        }
    }
}

fn flatten_objects<'a>(
    value: &'a V,
    current: &mut Vec<Step>,
    found: &mut Vec<(Vec<Step>, &'a Object)>,
) {
    match value {
        V::Obj(map) => found.push((current.clone(), map)),
        V::Arr(items) => {
            for (i, item) in items.iter().enumerate() {
                current.push(Step::Index(i));
                flatten_objects(item, current, found);
                current.pop();
            }
        }
        _ => {}
    }
}

/// What `write_representation` did.
enum Written {
    Done,
    /// A key field is missing: no representation.
    Missing,
    /// A name came twice: the caller builds the object instead.
    Repeated,
}

/// The object reduced to `selections` as JSON, keyed by field name, written straight into
/// `out` (what `build_representation` then serializing gives, without building the object).
/// `typename` replaces the `__typename` value, or is added last when no selection asks it.
fn write_representation(
    obj: &Object,
    selections: &[Required],
    schema: &Schema,
    typename: Option<&str>,
    out: &mut Vec<u8>,
) -> Written {
    out.push(b'{');
    let mut names: Vec<&str> = Vec::new();
    let written = write_fields(obj, selections, schema, typename, &mut names, out);
    if !matches!(written, Written::Done) {
        return written;
    }
    if let Some(typename) = typename {
        if !names.contains(&"__typename") {
            if !names.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(b"\"__typename\":");
            let _ = serde_json::to_writer(&mut *out, typename);
        }
    }
    out.push(b'}');
    Written::Done
}

fn write_fields<'s>(
    obj: &Object,
    selections: &'s [Required],
    schema: &Schema,
    typename: Option<&str>,
    names: &mut Vec<&'s str>,
    out: &mut Vec<u8>,
) -> Written {
    for selection in selections {
        match selection {
            Required::Fragment { condition, selections } => {
                let applies = match obj.get("__typename") {
                    Some(V::Str(t)) => schema.type_matches(t, condition.as_deref()),
                    _ => false,
                };
                if applies {
                    let written = write_fields(obj, selections, schema, typename, names, out);
                    if !matches!(written, Written::Done) {
                        return written;
                    }
                }
            }
            Required::Field { key, name, selections } => {
                let Some(value) = obj.get(key) else { return Written::Missing };
                if names.contains(&name.as_str()) {
                    return Written::Repeated;
                }
                if !names.is_empty() {
                    out.push(b',');
                }
                names.push(name);
                let _ = serde_json::to_writer(&mut *out, name.as_str());
                out.push(b':');
                match typename {
                    Some(t) if name == "__typename" => {
                        let _ = serde_json::to_writer(&mut *out, t);
                    }
                    _ if selections.is_empty() => {
                        let _ = serde_json::to_writer(&mut *out, value);
                    }
                    _ => {
                        if let Written::Repeated = write_reduced(value, selections, schema, out) {
                            return Written::Repeated;
                        }
                    }
                }
            }
        }
    }
    Written::Done
}

/// `reduce` written as JSON.
fn write_reduced(value: &V, selections: &[Required], schema: &Schema, out: &mut Vec<u8>) -> Written {
    match value {
        V::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if let Written::Repeated = write_reduced(item, selections, schema, out) {
                    return Written::Repeated;
                }
            }
            out.push(b']');
        }
        V::Obj(map) => {
            let start = out.len();
            match write_representation(map, selections, schema, None, out) {
                Written::Done => {}
                Written::Missing => {
                    out.truncate(start);
                    out.extend_from_slice(b"null");
                }
                Written::Repeated => return Written::Repeated,
            }
        }
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
    Written::Done
}

/// The object reduced to `selections`, keyed by field name; None if a key is missing.
fn build_representation(obj: &Object, selections: &[Required], schema: &Schema) -> Option<Object> {
    let mut out = Object::new();
    if !add_representation(obj, selections, schema, &mut out) {
        return None;
    }
    Some(out)
}

fn add_representation(obj: &Object, selections: &[Required], schema: &Schema, out: &mut Object) -> bool {
    let typename = match obj.get("__typename") {
        Some(V::Str(t)) => Some(t.as_str()),
        _ => None,
    };
    for selection in selections {
        match selection {
            Required::Fragment { condition, selections } => {
                if let Some(t) = typename {
                    if schema.type_matches(t, condition.as_deref())
                        && !add_representation(obj, selections, schema, out)
                    {
                        return false;
                    }
                }
            }
            Required::Field { key, name, selections } => {
                let Some(value) = obj.get(key) else { return false };
                let reduced = if selections.is_empty() { value.clone() } else {
                    reduce(value, selections, schema)
                };
                out.insert(name.clone(), reduced);
            }
        }
    }
    true
}

fn reduce(value: &V, selections: &[Required], schema: &Schema) -> V {
    match value {
        V::Arr(items) => V::Arr(items.iter().map(|i| reduce(i, selections, schema)).collect()),
        V::Obj(map) => match build_representation(map, selections, schema) {
            Some(o) => V::Obj(o),
            None => V::Null,
        },
        other => other.clone(),
    }
}

/// Merge a subgraph's answer into the response tree, object into object, item into item.
/// The answer may be shared by other requests: what the tree takes is copied.
fn deep_merge(target: &mut Object, source: &Object, schema: &Schema) {
    let mut hint = 0;
    for (key, value) in source.iter() {
        let found = target.position_from(key, hint);
        if let Some(at) = found {
            hint = at + 1;
        }
        let Some(existing) = found.and_then(|at| target.value_at_mut(at)) else {
            target.push(key.to_string(), value.clone());
            continue;
        };
        if existing.is_null() {
            *existing = value.clone();
            continue;
        }
        if key == "__typename" {
            if let (V::Str(old), V::Str(new)) = (&*existing, value) {
                if old != new {
                    if !schema.abstract_types.contains(new) {
                        *existing = value.clone();
                    }
                    continue;
                }
            }
        }
        merge_value(existing, value, schema);
    }
}

fn merge_value(existing: &mut V, value: &V, schema: &Schema) {
    match (existing, value) {
        (V::Obj(old), V::Obj(new)) => deep_merge(old, new, schema),
        (V::Arr(old), V::Arr(new)) if old.len() == new.len() => {
            for (slot, item) in old.iter_mut().zip(new) {
                merge_value(slot, item, schema);
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// Put values the planner fetched under an alias back under the client's key.
fn undo_aliases(data: &mut Object, rewrites: &[Rewrite], schema: &Schema) {
    for rewrite in rewrites {
        descend_object(data, &rewrite.path, &mut |obj| {
            if !obj.contains_key(&rewrite.alias) {
                return;
            }
            let applies = match obj.get("__typename") {
                Some(V::Str(t)) => schema.type_matches(t, rewrite.type_condition.as_deref()),
                _ => true,
            };
            if applies {
                if let Some(value) = obj.shift_remove(&rewrite.alias) {
                    obj.insert(rewrite.key.clone(), value);
                }
            }
        });
    }
}

fn descend_object(obj: &mut Object, path: &[String], visit: &mut dyn FnMut(&mut Object)) {
    match path.split_first() {
        None => visit(obj),
        Some((step, rest)) => {
            if let Some(value) = obj.get_mut(step) {
                descend(value, rest, visit);
            }
        }
    }
}

fn descend(value: &mut V, path: &[String], visit: &mut dyn FnMut(&mut Object)) {
    match value {
        V::Arr(items) => {
            for item in items {
                descend(item, path, visit);
            }
        }
        V::Obj(obj) => descend_object(obj, path, visit),
        _ => {}
    }
}

/// The data path of one plan, built by `router/execution/native.py`.
#[pymodule]
fn shopgraph_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Schema>()?;
    m.add_class::<Fetch>()?;
    m.add_class::<Tree>()?;
    m.add_class::<Answer>()?;
    m.add_class::<shape::Program>()?;
    m.add_class::<cost::CostProgram>()?;
    Ok(())
}
