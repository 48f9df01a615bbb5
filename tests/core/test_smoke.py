def test_jwks_is_public(client):
    response = client.http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json_body["keys"]
    assert keys and keys[0]["alg"] == "RS256" and "d" not in keys[0]


def test_preflight_echoes_allowed_origin(client):
    response = client.http.request("OPTIONS", "/.well-known/jwks.json",
                                   headers={"Origin": "http://localhost:3000",
                                            "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
