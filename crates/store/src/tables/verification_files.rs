//! `verification_files`: WeChat business-domain verification files, one per provider
//! (deleted with it), looked up by file name when `/<name>.txt` is asked for.

use ferrodoor_core::entity::VerificationFile;

crate::tables::table! {
    VerificationFileRow for VerificationFile in "verification_files" {
        key {
            provider: String = "provider", unlisted;
        }
        columns {
            file_name: String = "file_name", unlisted;
            content: String = "content", unlisted;
            updated_time: String = "updated_time", unlisted;
        }
        conflict = |f, _| format!("another provider already serves {}", f.file_name);
        reference = |f| format!("provider {} does not exist", f.provider);
    }
}

pub(crate) const FIND_BY_FILE_NAME: &str = "SELECT * FROM verification_files WHERE file_name = $1";

/// Expands the lookup by file name for the backend in scope; see [`crate::backend`].
macro_rules! verification_file_queries {
    () => {
        pub(crate) async fn get_verification_file_by_name(
            c: &mut Conn,
            file_name: &str,
        ) -> StoreResult<Option<ferrodoor_core::entity::VerificationFile>> {
            use crate::tables::verification_files::{FIND_BY_FILE_NAME, VerificationFileRow};
            fetch_optional::<VerificationFileRow>(c, FIND_BY_FILE_NAME, vec![file_name.into()])
                .await
        }
    };
}
pub(crate) use verification_file_queries;
