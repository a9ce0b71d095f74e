use clap::Parser;

use dbward::cli::Cli;
use dbward::output::Output;

// A thousand-file `status` makes tens of thousands of small allocations (reading the files,
// decoding the history, laying out the table); glibc's allocator spent about two
// milliseconds of that process on them (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version itself, with exit code 0; usage errors exit 2.
            e.print().ok();
            return std::process::ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let output = Output::new(cli.global.output.format, cli.global.output.quiet);
    match dbward::commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            output.error(&error);
            std::process::ExitCode::from(error.exit_code() as u8)
        }
    }
}
