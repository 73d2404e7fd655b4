//! The model's own chat template: the Jinja text a GGUF carries in `tokenizer.chat_template`
//! (or a `tokenizer_config.json` beside it), rendered with minijinja and Python string
//! methods (`.strip()`, `.startswith()`...) as Hugging Face's `apply_chat_template` does, with
//! `add_generation_prompt` on and thinking off. Families the engine knows are the fallback
//! when a template fails to render ([`crate::prompt::ChatTemplate`]).

use minijinja::{Environment, ErrorKind, context};

use crate::prompt::{Message, Role};

/// A chat template from the model's files.
#[derive(Debug, Clone)]
pub struct JinjaTemplate {
    source: String,
}

impl JinjaTemplate {
    /// Wraps the template text.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
        }
    }

    /// Renders `messages` and opens the assistant's turn. `bos`/`eos` are the tokenizer's
    /// special token texts (templates print them). Errors carry minijinja's message.
    pub fn render(&self, messages: &[Message], bos: &str, eos: &str) -> Result<String, String> {
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> Result<String, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_template("chat", &self.source)
            .map_err(|e| format!("chat template does not parse: {e}"))?;
        let messages: Vec<_> = messages
            .iter()
            .map(|m| {
                context! {
                    role => match m.role {
                        Role::System => "system",
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    },
                    content => m.content.as_str(),
                }
            })
            .collect();
        env.get_template("chat")
            .and_then(|t| {
                t.render(context! {
                    messages => messages,
                    add_generation_prompt => true,
                    enable_thinking => false,
                    bos_token => bos,
                    eos_token => eos,
                })
            })
            .map_err(|e| format!("chat template failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::ChatTemplate;

    fn conversation() -> Vec<Message> {
        vec![
            Message::new(Role::System, "You read ECGs."),
            Message::new(Role::User, "Rate?"),
            Message::new(Role::Assistant, "72 bpm."),
            Message::new(Role::User, "Rhythm?"),
        ]
    }

    /// Qwen3's own template (from its tokenizer_config.json) renders what the built-in
    /// Qwen3 family writes, thinking off.
    #[test]
    fn qwen3_template_matches_the_family_rendering() {
        let cfg: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/data/llm/qwen3_tokenizer/tokenizer_config.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let source = cfg["chat_template"].as_str().unwrap();
        let jinja = JinjaTemplate::new(source)
            .render(&conversation(), "", "<|im_end|>")
            .unwrap();
        assert_eq!(jinja, ChatTemplate::Qwen3.render(&conversation()));
    }

    #[test]
    fn python_string_methods_and_raise_exception_work() {
        let t = JinjaTemplate::new(
            "{% for m in messages %}{% if m.role not in ['system','user','assistant'] %}{{ raise_exception('bad role') }}{% endif %}[{{ m.role.upper() }}]{{ m.content.strip() }}{% endfor %}{% if add_generation_prompt %}[A]{% endif %}",
        );
        let out = t
            .render(&[Message::new(Role::User, "  hi  ")], "<s>", "</s>")
            .unwrap();
        assert_eq!(out, "[USER]hi[A]");
        let err = JinjaTemplate::new("{{ raise_exception('no system role') }}")
            .render(&[], "", "")
            .unwrap_err();
        assert!(err.contains("no system role"), "{err}");
        assert!(
            JinjaTemplate::new("{% if %}")
                .render(&[], "", "")
                .unwrap_err()
                .contains("does not parse")
        );
    }
}
