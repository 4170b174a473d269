//! OCSF 1.8.0 API Activity event shape. (STUB)
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Event<'a> {
    pub class_uid: u32,
    #[serde(skip)]
    pub _p: std::marker::PhantomData<&'a ()>,
}
