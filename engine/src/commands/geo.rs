//! geo commands (in progress).

use super::Handler;

pub(super) fn handler(_name: &str) -> Option<Handler> {
    None
}
