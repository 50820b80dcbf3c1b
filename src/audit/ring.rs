//! A bounded queue that drops its oldest item when full and hands back a reference
//! to the item just pushed (without an `Option` to unwrap).

use std::collections::VecDeque;
use std::num::NonZeroUsize;

/// At most `capacity` items: the newest apart, the older ones in a deque.
#[derive(Clone, Debug)]
pub(crate) struct Ring<T> {
    older: VecDeque<T>,
    newest: Option<T>,
    capacity: NonZeroUsize,
}

impl<T> Ring<T> {
    pub(crate) fn new(capacity: NonZeroUsize) -> Self {
        Ring {
            older: VecDeque::new(),
            newest: None,
            capacity,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity.get()
    }

    pub(crate) fn len(&self) -> usize {
        self.older.len() + usize::from(self.newest.is_some())
    }

    /// Adds `item`; returns the item dropped to make room, if any, and the new item.
    pub(crate) fn push(&mut self, item: T) -> (Option<T>, &T) {
        let mut dropped = None;
        if let Some(previous) = self.newest.take() {
            let room = self.capacity.get() - 1;
            if room == 0 {
                dropped = Some(previous);
            } else {
                if self.older.len() >= room {
                    dropped = self.older.pop_front();
                }
                self.older.push_back(previous);
            }
        }
        (dropped, self.newest.insert(item))
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.older.iter().chain(self.newest.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(cap: usize) -> Ring<u32> {
        Ring::new(NonZeroUsize::new(cap).unwrap())
    }

    #[test]
    fn keeps_the_newest_items_and_reports_drops() {
        let mut r = ring(3);
        assert_eq!(r.push(1), (None, &1));
        assert_eq!(r.push(2), (None, &2));
        assert_eq!(r.push(3), (None, &3));
        assert_eq!(r.push(4), (Some(1), &4));
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(r.iter().rev().copied().collect::<Vec<_>>(), [4, 3, 2]);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn capacity_one_keeps_only_the_newest() {
        let mut r = ring(1);
        assert_eq!(r.push(1), (None, &1));
        assert_eq!(r.push(2), (Some(1), &2));
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), [2]);
        assert_eq!(r.len(), 1);
    }
}
