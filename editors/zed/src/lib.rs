//! Starts `safety-lint server` (found on the worktree's PATH, e.g. an activated venv) for
//! Markdown buffers. Everything else is the language server's work.

use zed_extension_api as zed;

struct SafetyLint;

impl zed::Extension for SafetyLint {
    fn new() -> Self {
        SafetyLint
    }

    fn language_server_command(
        &mut self,
        _language_server_id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        let command = worktree.which("safety-lint").ok_or_else(|| {
            "safety-lint is not on PATH: pip install 'safety-lint[server]' (see its README)"
                .to_string()
        })?;
        Ok(zed::Command {
            command,
            args: vec!["server".to_string()],
            env: worktree.shell_env(),
        })
    }
}

zed::register_extension!(SafetyLint);
