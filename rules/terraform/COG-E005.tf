resource "aws_cognito_user_pool" "pool" {
  name = "app"
}

resource "aws_cognito_user_pool_client" "client" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = 60
  token_validity_units {
    access_token = "Minutes" # the API takes lower case only
  }
}
