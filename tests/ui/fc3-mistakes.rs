use fc_runtime::{fc_function, fc_service, FcError};

#[fc_service(api = "3.0", service = "demo")]
pub trait WithService {
    #[fc_function]
    async fn a(&self) -> Result<(), FcError>;
}

#[fc_service(api = "3.0")]
pub trait Names {
    #[fc_function(function = "-starts-with-a-dash")]
    async fn b(&self) -> Result<(), FcError>;
    #[fc_function(function = "a_name_that_is_much_longer_than_the_sixty_four_characters_fc3_allows")]
    async fn c(&self) -> Result<(), FcError>;
}

#[fc_service(api = "3")]
pub trait Version {
    #[fc_function(service = "s")]
    async fn d(&self) -> Result<(), FcError>;
}

fn main() {}
