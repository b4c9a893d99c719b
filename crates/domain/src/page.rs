//! Relay pagination arguments, checked once here for every listing.

use crate::error::DomainError;

/// The most records one page may hold.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// Which way a page is read from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageDirection {
    /// `first` records after the `after` cursor.
    Forward,
    /// `last` records before the `before` cursor.
    Backward,
}

/// A checked page request; `cursor` is still opaque here, the storage layer decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub size: u32,
    pub direction: PageDirection,
    pub cursor: Option<String>,
    /// The other cursor bound, if both `after` and `before` were given.
    pub limit_cursor: Option<String>,
}

impl PageRequest {
    /// Checks Relay arguments: `first` goes forward from `after`, `last` backward from `before`.
    pub fn new(
        first: Option<i64>,
        after: Option<String>,
        last: Option<i64>,
        before: Option<String>,
    ) -> Result<Self, DomainError> {
        let size = |n: i64| -> Result<u32, DomainError> {
            if n < 0 {
                return Err(DomainError::NegativePageSize);
            }
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_PAGE_SIZE)
                .ok_or(DomainError::PageTooLarge {
                    max: MAX_PAGE_SIZE,
                    given: n,
                })
        };
        match (first, last) {
            (Some(_), Some(_)) => Err(DomainError::BothFirstAndLast),
            (None, Some(n)) => Ok(Self {
                size: size(n)?,
                direction: PageDirection::Backward,
                cursor: before,
                limit_cursor: after,
            }),
            (first, None) => Ok(Self {
                size: first.map(size).transpose()?.unwrap_or(DEFAULT_PAGE_SIZE),
                direction: PageDirection::Forward,
                cursor: after,
                limit_cursor: before,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        assert_eq!(
            PageRequest::new(None, None, None, None).unwrap().size,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(
            PageRequest::new(Some(100), None, None, None).unwrap().size,
            100
        );
        assert_eq!(
            PageRequest::new(Some(101), None, None, None),
            Err(DomainError::PageTooLarge {
                max: 100,
                given: 101
            })
        );
        assert_eq!(
            PageRequest::new(Some(-1), None, None, None),
            Err(DomainError::NegativePageSize)
        );
        assert_eq!(
            PageRequest::new(Some(1), None, Some(1), None),
            Err(DomainError::BothFirstAndLast)
        );
        let back = PageRequest::new(None, None, Some(5), Some("c".into())).unwrap();
        assert_eq!(back.direction, PageDirection::Backward);
        assert_eq!(back.cursor.as_deref(), Some("c"));
    }
}
