//! Identifier newtypes. Every id is a UUID v7 made where the thing was created (a
//! device, offline), so ids never collide between devices and sort by creation time.

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered id.
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map($name)
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.to_string())
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse().map_err(|_| autosurgeon::HydrateError::unexpected("a uuid", s.to_string()))
            }
        }
    };
}

id_type!(
    /// One record (one Automerge document).
    RecordId
);
id_type!(
    /// A committee: the id of its committee record.
    CommitteeId
);
id_type!(
    /// An enrolled device. Also the Automerge actor of every change the device makes,
    /// so the author of any value in a document is known.
    DeviceId
);
id_type!(
    /// An item inside a record's list (agenda item, threat, attendee, review event):
    /// lets concurrent additions on two devices both survive a merge.
    ItemId
);

impl From<CommitteeId> for RecordId {
    fn from(c: CommitteeId) -> Self {
        RecordId(c.0)
    }
}

impl From<RecordId> for CommitteeId {
    fn from(r: RecordId) -> Self {
        CommitteeId(r.0)
    }
}

impl DeviceId {
    /// The Automerge actor id of this device.
    pub fn actor(&self) -> automerge::ActorId {
        automerge::ActorId::from(self.0.as_bytes().as_slice())
    }

    /// The device behind an Automerge actor, if the actor is one of ours (16 bytes).
    pub fn from_actor(actor: &automerge::ActorId) -> Option<DeviceId> {
        Uuid::from_slice(actor.to_bytes()).ok().map(DeviceId)
    }
}
