use std::process::ExitCode;

use buildxpert_migrate::cli::Cli;
use buildxpert_migrate::output;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_logging(cli.global.verbose, cli.global.quiet);
    match buildxpert_migrate::execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the database put in its message.
            let message = err
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            output::note(&format!("error: {message}"));
            ExitCode::from(err.exit_code())
        }
    }
}
