//! `reset`, `handout` and `bundle`.

pub fn reset(_args: &[String]) -> Result<(), String> {
    Err("reset: not yet".into())
}
pub fn handout(_args: &[String]) -> Result<(), String> {
    Err("handout: not yet".into())
}
pub fn bundle(_args: &[String]) -> Result<(), String> {
    Err("bundle: not yet".into())
}
