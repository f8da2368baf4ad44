//! Response shaping, the twin of `router/execution/response.py`: only what the client asked
//! for, `__typename` from the API schema, nulls propagated to the nearest nullable parent.

use crate::{path_json, Object, PathStep};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use crate::value::V;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

enum Wrap {
    NonNull,
    List,
}

enum Leaf {
    Scalar,
    Enum { values: HashSet<String>, name: String },
    Object(usize),
    Abstract { runtime: HashMap<String, usize>, itself: Option<usize> },
}

enum Entry {
    Typename { key: String, quoted: Vec<u8> },
    Field { key: String, quoted: Vec<u8>, coordinate: String, wraps: Vec<Wrap>, leaf: Leaf },
    Denied { key: String, quoted: Vec<u8>, non_null: bool },
}

struct ObjectShape {
    type_name: String,
    /// The type's name as a JSON string, ready to write.
    quoted_name: Vec<u8>,
    entries: Vec<Entry>,
}

/// `"key":`, ready to write.
fn quoted_key(key: &str) -> Vec<u8> {
    let mut out = serde_json::to_vec(key).unwrap_or_default();
    out.push(b':');
    out
}

/// The client's operation compiled against the API schema: a table of object shapes, the
/// root first, that refer to each other by index.
#[pyclass(frozen, module = "shopgraph_native")]
pub struct Program {
    shapes: Vec<ObjectShape>,
}

fn leaf_of(value: &Bound<'_, PyAny>) -> PyResult<Leaf> {
    let kind: String = value.get_item(0)?.extract()?;
    Ok(match kind.as_str() {
        "s" => Leaf::Scalar,
        "e" => Leaf::Enum { name: value.get_item(1)?.extract()?, values: value.get_item(2)?.extract()? },
        "o" => Leaf::Object(value.get_item(1)?.extract()?),
        "a" => Leaf::Abstract {
            runtime: value.get_item(1)?.extract()?,
            itself: value.get_item(2)?.extract()?,
        },
        other => return Err(PyValueError::new_err(format!("unknown leaf kind {other}"))),
    })
}

#[pymethods]
impl Program {
    /// `shapes`: `(type_name, entries)` per object shape; an entry is `("t", key)`,
    /// `("f", key, coordinate, wraps, leaf)` with wraps a string of `!` and `[`, outermost
    /// first, or `("d", key, non_null)` for a field authorization left out. A leaf is `("s",)`,
    /// `("e", enum_name, values)`, `("o", shape)` or `("a", {runtime_type: shape}, shape|None)`.
    #[new]
    fn new(shapes: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut out = Vec::new();
        for shape in shapes.try_iter()? {
            let shape = shape?;
            let type_name: String = shape.get_item(0)?.extract()?;
            let mut entries = Vec::new();
            for entry in shape.get_item(1)?.try_iter()? {
                let entry = entry?;
                let kind: String = entry.get_item(0)?.extract()?;
                let key: String = entry.get_item(1)?.extract()?;
                let quoted = quoted_key(&key);
                entries.push(match kind.as_str() {
                    "t" => Entry::Typename { key, quoted },
                    "d" => Entry::Denied { key, quoted, non_null: entry.get_item(2)?.extract()? },
                    _ => {
                        let wraps: String = entry.get_item(3)?.extract()?;
                        Entry::Field {
                            key,
                            quoted,
                            coordinate: entry.get_item(2)?.extract()?,
                            wraps: wraps
                                .chars()
                                .map(|c| if c == '!' { Wrap::NonNull } else { Wrap::List })
                                .collect(),
                            leaf: leaf_of(&entry.get_item(4)?)?,
                        }
                    }
                });
            }
            let quoted_name = serde_json::to_vec(&type_name).unwrap_or_default();
            out.push(ObjectShape { type_name, quoted_name, entries });
        }
        let count = out.len();
        let in_range = |i: &usize| *i < count;
        for shape in &out {
            for entry in &shape.entries {
                if let Entry::Field { leaf, .. } = entry {
                    let ok = match leaf {
                        Leaf::Object(i) => in_range(i),
                        Leaf::Abstract { runtime, itself } => {
                            runtime.values().all(in_range) && itself.as_ref().is_none_or(in_range)
                        }
                        _ => true,
                    };
                    if !ok {
                        return Err(PyValueError::new_err("shape index out of range"));
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(PyValueError::new_err("a program needs a root shape"));
        }
        Ok(Program { shapes: out })
    }
}

/// A null in a non-null position: the nearest nullable parent becomes null.
struct NullInNonNull;

/// What of the shaped data the actual cost needs: where objects, lists and nulls are.
pub(crate) enum Skeleton<'a> {
    Null,
    Leaf,
    List(Vec<Skeleton<'a>>),
    Object(Vec<(&'a str, Skeleton<'a>)>),
}

fn scalar_skeleton<'a>(value: &V) -> Skeleton<'a> {
    match value {
        V::Null => Skeleton::Null,
        V::Arr(items) => Skeleton::List(items.iter().map(scalar_skeleton).collect()),
        _ => Skeleton::Leaf,
    }
}

struct Shaper<'a> {
    program: &'a Program,
    /// The paths of every error so far, in order (None: an error without a path).
    known: Vec<Option<Vec<Value>>>,
    errors: Vec<Value>,
    path: Vec<PathStep<'a>>,
    /// The client's data as JSON, written as it is shaped; a null that propagates truncates
    /// it back to where the nullable value it nulls began.
    out: Vec<u8>,
    skeleton: bool,
}

impl Program {
    /// The shaped data as JSON (None when a null reached the root), the errors shaping added
    /// as `{"kind": ..., "path": ...}` objects that Python words, and the data's skeleton when
    /// `skeleton` is asked for.
    pub(crate) fn run<'a>(
        &'a self,
        data: &V,
        known: Vec<Value>,
        skeleton: bool,
    ) -> (Option<Vec<u8>>, Vec<Value>, Option<Skeleton<'a>>) {
        let known = known
            .into_iter()
            .map(|p| match p {
                Value::Array(items) => Some(items),
                _ => None,
            })
            .collect();
        let mut shaper = Shaper {
            program: self,
            known,
            errors: Vec::new(),
            path: Vec::new(),
            out: Vec::with_capacity(64 * 1024),
            skeleton,
        };
        let empty = Object::new();
        let root = match data {
            V::Obj(map) => map,
            _ => &empty,
        };
        match shaper.object(0, root) {
            Ok(tree) => (Some(shaper.out), shaper.errors, skeleton.then_some(tree)),
            Err(NullInNonNull) => (None, shaper.errors, None),
        }
    }
}

impl<'a> Shaper<'a> {
    fn object(&mut self, index: usize, raw: &Object) -> Result<Skeleton<'a>, NullInNonNull> {
        let program: &'a Program = self.program;
        let shape = &program.shapes[index];
        let mut fields = Vec::new();
        if self.skeleton {
            fields.reserve(shape.entries.len());
        }
        self.out.push(b'{');
        let mut hint = 0;
        for (i, entry) in shape.entries.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            match entry {
                Entry::Typename { key, quoted } => {
                    self.out.extend_from_slice(quoted);
                    self.out.extend_from_slice(&shape.quoted_name);
                    if self.skeleton {
                        fields.push((key.as_str(), Skeleton::Leaf));
                    }
                }
                Entry::Denied { key, quoted, non_null } => {
                    self.path.push(PathStep::Key(key));
                    self.add_error(json!({"kind": "unauthorized", "path": path_json(&self.path)}));
                    self.path.pop();
                    if *non_null {
                        return Err(NullInNonNull);
                    }
                    self.out.extend_from_slice(quoted);
                    self.out.extend_from_slice(b"null");
                    if self.skeleton {
                        fields.push((key.as_str(), Skeleton::Null));
                    }
                }
                Entry::Field { key, quoted, coordinate, wraps, leaf } => {
                    self.out.extend_from_slice(quoted);
                    self.path.push(PathStep::Key(key));
                    let found = raw.position_from(key, hint);
                    if let Some(at) = found {
                        hint = at + 1;
                    }
                    let value = self.value(wraps, leaf, found.map(|at| raw.value_at(at)), coordinate);
                    self.path.pop();
                    let value = value?;
                    if self.skeleton {
                        fields.push((key.as_str(), value));
                    }
                }
            }
        }
        self.out.push(b'}');
        Ok(if self.skeleton { Skeleton::Object(fields) } else { Skeleton::Leaf })
    }

    fn value(
        &mut self,
        wraps: &'a [Wrap],
        leaf: &'a Leaf,
        raw: Option<&V>,
        coordinate: &str,
    ) -> Result<Skeleton<'a>, NullInNonNull> {
        if let Some((Wrap::NonNull, inner)) = wraps.split_first() {
            let completed = self.value(inner, leaf, raw, coordinate)?;
            if matches!(completed, Skeleton::Null) {
                self.null_error(coordinate);
                return Err(NullInNonNull);
            }
            return Ok(completed);
        }
        let raw = match raw {
            None | Some(V::Null) => {
                self.out.extend_from_slice(b"null");
                return Ok(Skeleton::Null);
            }
            Some(raw) => raw,
        };
        let start = self.out.len();
        match self.non_null_value(wraps, leaf, raw, coordinate) {
            Ok(value) => Ok(value),
            Err(NullInNonNull) => {
                self.out.truncate(start);
                self.out.extend_from_slice(b"null");
                Ok(Skeleton::Null)
            }
        }
    }

    fn null(&mut self) -> Result<Skeleton<'a>, NullInNonNull> {
        self.out.extend_from_slice(b"null");
        Ok(Skeleton::Null)
    }

    fn non_null_value(
        &mut self,
        wraps: &'a [Wrap],
        leaf: &'a Leaf,
        raw: &V,
        coordinate: &str,
    ) -> Result<Skeleton<'a>, NullInNonNull> {
        if let Some((Wrap::List, inner)) = wraps.split_first() {
            let V::Arr(items) = raw else { return self.null() };
            let mut out = Vec::new();
            if self.skeleton {
                out.reserve(items.len());
            }
            self.out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                self.path.push(PathStep::Index(i));
                let value = self.value(inner, leaf, Some(item), coordinate);
                self.path.pop();
                let value = value?;
                if self.skeleton {
                    out.push(value);
                }
            }
            self.out.push(b']');
            return Ok(if self.skeleton { Skeleton::List(out) } else { Skeleton::Leaf });
        }
        match leaf {
            Leaf::Scalar => {
                let _ = serde_json::to_writer(&mut self.out, raw);
                Ok(if self.skeleton { scalar_skeleton(raw) } else { Skeleton::Leaf })
            }
            Leaf::Enum { values, name } => match raw {
                V::Str(s) if values.contains(s) => {
                    let _ = serde_json::to_writer(&mut self.out, raw);
                    Ok(Skeleton::Leaf)
                }
                _ => {
                    let error = json!({"kind": "enum", "path": path_json(&self.path),
                                       "enum": name,
                                       "value": serde_json::to_value(raw).unwrap_or(Value::Null)});
                    self.add_error(error);
                    self.null()
                }
            },
            Leaf::Object(index) => match raw {
                V::Obj(map) => self.object(*index, map),
                _ => self.null(),
            },
            Leaf::Abstract { runtime, itself } => {
                let V::Obj(map) = raw else { return self.null() };
                let chosen = match map.get("__typename") {
                    Some(V::Str(t)) => runtime.get(t).copied().or_else(|| {
                        itself.filter(|i| self.program.shapes[*i].type_name == *t)
                    }),
                    None | Some(V::Null) => *itself,
                    Some(_) => None,
                };
                match chosen {
                    Some(index) => self.object(index, map),
                    None => self.null(),
                }
            }
        }
    }

    fn add_error(&mut self, error: Value) {
        let path = match error.get("path") {
            Some(Value::Array(items)) => Some(items.clone()),
            _ => None,
        };
        self.known.push(path);
        self.errors.push(error);
    }

    fn null_error(&mut self, coordinate: &str) {
        let here = match path_json(&self.path) {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        for known in &self.known {
            let Some(known) = known else { return };
            let n = known.len().min(here.len());
            if known[..n] == here[..n] {
                return;
            }
        }
        let field = if coordinate.is_empty() {
            self.path
                .iter()
                .rev()
                .find_map(|s| match s {
                    PathStep::Key(k) => Some((*k).to_string()),
                    PathStep::Index(_) => None,
                })
                .unwrap_or_default()
        } else {
            coordinate.to_string()
        };
        self.add_error(json!({"kind": "null", "path": here, "field": field}));
    }
}
