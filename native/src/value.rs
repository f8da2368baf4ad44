//! The response tree's JSON values.
//!
//! An object is a vector of entries in their order, searched by comparing keys: GraphQL
//! objects have a handful of fields, and hashing every key on every parse, merge and lookup
//! (what an index map does) cost the data path a fifth of its time. An object past
//! `INDEXED_FROM` entries (a JSON scalar, a hostile answer) gets a hash index, so no object
//! costs quadratic time. Each object also keeps a 64-bit summary of its keys (a bit per key,
//! chosen by length and first and last bytes), so that a key it does not hold (every key of
//! a parse, every field a merge adds) is known absent without reading the others.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;
use std::collections::HashMap;
use std::fmt;

const INDEXED_FROM: usize = 24;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum V {
    #[default]
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    Arr(Vec<V>),
    Obj(Obj),
}

impl V {
    pub fn is_null(&self) -> bool {
        matches!(self, V::Null)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Obj {
    entries: Vec<(String, V)>,
    index: Option<Box<HashMap<String, usize>>>,
    /// `key_bit` of every key held (a key removed may leave its bit set).
    keys: u64,
}

fn key_bit(key: &[u8]) -> u64 {
    let (first, last) = match key {
        [] => (0, 0),
        [only] => (*only, *only),
        [first, .., last] => (*first, *last),
    };
    let mixed = (key.len() as u32).wrapping_mul(31) ^ u32::from(first).wrapping_mul(7) ^ u32::from(last);
    1 << (mixed % 64)
}

impl PartialEq for Obj {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Obj {
    pub fn new() -> Self {
        Obj::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn position(&self, key: &str) -> Option<usize> {
        self.position_from(key, 0)
    }

    /// `position`, trying `hint` first: answers list fields in the order the operation
    /// asked for them, so the entry after the last one found is usually the next one sought.
    pub fn position_from(&self, key: &str, hint: usize) -> Option<usize> {
        if let Some(index) = &self.index {
            return index.get(key).copied();
        }
        let wanted = key.as_bytes();
        if self.keys & key_bit(wanted) == 0 {
            return None;
        }
        let same = |(k, _): &(String, V)| {
            let k = k.as_bytes();
            k.len() == wanted.len() && k.first() == wanted.first() && k == wanted
        };
        if let Some(entry) = self.entries.get(hint) {
            if same(entry) {
                return Some(hint);
            }
        }
        self.entries.iter().position(same)
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    pub fn entry_at(&self, i: usize) -> Option<(&str, &V)> {
        self.entries.get(i).map(|(k, v)| (k.as_str(), v))
    }

    pub fn value_at(&self, i: usize) -> &V {
        &self.entries[i].1
    }

    pub fn value_at_mut(&mut self, i: usize) -> Option<&mut V> {
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Replace the value under `key` in place, or add it last.
    pub fn insert(&mut self, key: String, value: V) {
        match self.position(&key) {
            Some(i) => self.entries[i].1 = value,
            None => self.push(key, value),
        }
    }

    /// Add an entry known not to be there yet.
    pub fn push(&mut self, key: String, value: V) {
        self.keys |= key_bit(key.as_bytes());
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() >= INDEXED_FROM {
            self.reindex();
        }
    }

    fn reindex(&mut self) {
        self.index = (self.entries.len() >= INDEXED_FROM).then(|| {
            Box::new(self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect())
        });
    }

    /// The value under `key`, left null in its place.
    pub fn take(&mut self, key: &str) -> Option<V> {
        self.get_mut(key).map(std::mem::take)
    }

    /// Take `key` out, keeping the order of the others.
    pub fn shift_remove(&mut self, key: &str) -> Option<V> {
        let i = self.position(key)?;
        let (_, value) = self.entries.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(value)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl IntoIterator for Obj {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Serialize for V {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            V::Null => serializer.serialize_unit(),
            V::Bool(b) => serializer.serialize_bool(*b),
            V::Num(n) => n.serialize(serializer),
            V::Str(s) => serializer.serialize_str(s),
            V::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            V::Obj(obj) => obj.serialize(serializer),
        }
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for V {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<V, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = V;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<V, E> {
        Ok(V::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<V, E> {
        Ok(V::Num(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<V, E> {
        Ok(V::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<V, E> {
        Ok(Number::from_f64(v).map_or(V::Null, V::Num))
    }
    fn visit_str<E>(self, v: &str) -> Result<V, E> {
        Ok(V::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<V, E> {
        Ok(V::Str(v))
    }
    fn visit_none<E>(self) -> Result<V, E> {
        Ok(V::Null)
    }
    fn visit_unit<E>(self) -> Result<V, E> {
        Ok(V::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V, D::Error> {
        Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<V, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(V::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V, A::Error> {
        let mut obj = Obj::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: V = map.next_value()?;
            obj.insert(key, value); // a repeated key: the last one wins, as in every parser
        }
        Ok(V::Obj(obj))
    }
}
